/**
 * What each entry kind means to a person: its name, its short badge (with the format
 * version when the server knows it), and whether it is a dataset rather than a plain
 * folder or file.
 */
import type { EntryKind, IEntry } from './api';

/** The fields of an entry that describe its kind. */
export type KindInfo = Pick<IEntry, 'kind' | 'zarr_format' | 'ome_version'>;

const KIND_NAMES: Record<EntryKind, string> = {
  directory: 'Folder',
  file: 'File',
  'zarr-array': 'Zarr array',
  'zarr-group': 'Zarr group',
  'ome-zarr': 'OME-Zarr image',
  'ome-zarr-plate': 'OME-Zarr plate',
  'ome-zarr-well': 'OME-Zarr well',
  'ome-zarr-labels': 'OME-Zarr labels',
  bioformats2raw: 'bioformats2raw',
  'n5-array': 'N5 array',
  'n5-group': 'N5 group',
  tiff: 'TIFF',
  'ome-tiff': 'OME-TIFF'
};

/** Every kind, in the order the UI lists them. */
export const ALL_KINDS = Object.keys(KIND_NAMES) as EntryKind[];

/** The kind's name in words ("OME-Zarr image"). */
export function kindName(kind: EntryKind): string {
  return KIND_NAMES[kind] ?? kind;
}

/** True for everything the inspector has more to say about than a folder or a file. */
export function isDataset(kind: EntryKind): boolean {
  return kind !== 'directory' && kind !== 'file';
}

/** The Zarr storage version as "v2" / "v3", or "". */
function zarrVersion(info: KindInfo): string {
  return info.zarr_format ? `v${info.zarr_format}` : '';
}

/**
 * The short badge of a dataset ("OME-Zarr 0.4", "Zarr v3", "OME-TIFF"), or null for
 * plain folders and files.
 */
export function kindBadge(info: KindInfo): string | null {
  const ome = info.ome_version ?? '';
  const words = (...parts: string[]) => parts.filter(Boolean).join(' ');
  switch (info.kind) {
    case 'directory':
    case 'file':
      return null;
    case 'zarr-array':
      return words('Zarr', zarrVersion(info));
    case 'zarr-group':
      return words('Zarr', zarrVersion(info), 'group');
    case 'ome-zarr':
      return words('OME-Zarr', ome);
    case 'ome-zarr-plate':
      return words('Plate', ome);
    case 'ome-zarr-well':
      return words('Well', ome);
    case 'ome-zarr-labels':
      return words('Labels', ome);
    case 'bioformats2raw':
      return words('bioformats2raw', ome);
    case 'n5-array':
      return 'N5';
    case 'n5-group':
      return 'N5 group';
    case 'tiff':
      return 'TIFF';
    case 'ome-tiff':
      return 'OME-TIFF';
    default:
      return info.kind;
  }
}

/** A full description for tooltips and the inspector ("OME-Zarr image, NGFF 0.4, Zarr v2"). */
export function kindDescription(info: KindInfo): string {
  const parts = [kindName(info.kind)];
  if (info.ome_version) {
    parts.push(`NGFF ${info.ome_version}`);
  }
  if (info.zarr_format) {
    parts.push(`Zarr v${info.zarr_format}`);
  }
  return parts.join(', ');
}
