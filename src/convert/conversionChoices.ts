/**
 * Which conversions make sense for an entry, with a sensible destination beside it:
 * TIFF / OME-TIFF / CZI, a folder of TIFF planes -> OME-Zarr; OME-Zarr -> OME-TIFF, recompressed OME-Zarr (or
 * Zarr v3), one extracted level; a plain Zarr array -> recompressed copy. Pure, so the
 * form, the context menu and the tests agree.
 */
import type { ConversionKind, IEntry } from '../api';

export interface IConversionChoice {
  kind: ConversionKind;
  /** What the user picks in the form. */
  label: string;
  /** Root-relative path of the default destination, next to the source. */
  destination: string;
  /** Whether the conversion works on one resolution level (the form asks which). */
  perLevel: boolean;
  /** Whether the output is OME-Zarr (its format options apply). */
  writesZarr: boolean;
}

const TIFF = /\.(ome\.)?tiff?$/i;
const CZI = /\.czi$/i;
const ZARR = /(\.ome)?\.zarr$/i;

/** "cells" for "cells.ome.tif", "scan" for "scan.czi", "vol" for "vol.zarr". */
export function stem(name: string): string {
  return name.replace(TIFF, '').replace(CZI, '').replace(ZARR, '') || name;
}

function sibling(path: string, name: string): string {
  const cut = path.lastIndexOf('/');
  return cut < 0 ? name : `${path.slice(0, cut)}/${name}`;
}

/** The conversions offered for `entry` (empty when it is nothing we convert). */
export function conversionChoices(entry: IEntry): IConversionChoice[] {
  const base = stem(entry.name);
  const beside = (name: string) => sibling(entry.path, name);
  const isTiff =
    entry.kind === 'tiff' || entry.kind === 'ome-tiff' || TIFF.test(entry.name);
  if (!entry.is_dir && isTiff) {
    return [
      {
        kind: 'tiff-to-ome-zarr',
        label: 'OME-Zarr (multiscale pyramid)',
        destination: beside(`${base}.ome.zarr`),
        perLevel: false,
        writesZarr: true
      }
    ];
  }
  if (!entry.is_dir && CZI.test(entry.name)) {
    return [
      {
        kind: 'czi-to-ome-zarr',
        label: 'OME-Zarr (multiscale pyramid)',
        destination: beside(`${base}.ome.zarr`),
        perLevel: false,
        writesZarr: true
      }
    ];
  }
  if (entry.kind === 'tiff-series') {
    return [
      {
        kind: 'series-to-ome-zarr',
        label: 'OME-Zarr (multiscale pyramid)',
        destination: beside(`${base}.ome.zarr`),
        perLevel: false,
        writesZarr: true
      }
    ];
  }
  if (entry.kind === 'ome-zarr') {
    return [
      {
        kind: 'zarr-to-tiff',
        label: 'OME-TIFF',
        destination: beside(`${base}.ome.tif`),
        perLevel: true,
        writesZarr: false
      },
      {
        kind: 'recompress',
        label: 'Recompressed OME-Zarr (or Zarr v2 → v3)',
        destination: beside(`${base}-recompressed.ome.zarr`),
        perLevel: false,
        writesZarr: true
      },
      {
        kind: 'extract-level',
        label: 'One resolution level as its own OME-Zarr',
        destination: beside(`${base}-level.ome.zarr`),
        perLevel: true,
        writesZarr: true
      }
    ];
  }
  if (entry.kind === 'zarr-array') {
    return [
      {
        kind: 'recompress',
        label: 'Recompressed Zarr (or Zarr v2 → v3)',
        destination: beside(`${base}-recompressed.zarr`),
        perLevel: false,
        writesZarr: true
      },
      {
        kind: 'zarr-to-tiff',
        label: 'TIFF',
        destination: beside(`${base}.tif`),
        perLevel: false,
        writesZarr: false
      }
    ];
  }
  return [];
}

/** "64, 256, 256" -> [64, 256, 256]; "" -> null (the server's default); NaN -> error text. */
export function parseSizes(text: string): number[] | null | string {
  const trimmed = text.trim();
  if (!trimmed) {
    return null;
  }
  const sizes = trimmed
    .split(/[\s,×x]+/)
    .filter(Boolean)
    .map(Number);
  if (sizes.some(size => !Number.isInteger(size) || size < 1)) {
    return 'Sizes are whole numbers above 0, separated by commas.';
  }
  return sizes;
}
