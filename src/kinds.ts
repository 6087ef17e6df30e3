/**
 * The one table of entry kinds: per kind its name, its short badge (with the format
 * version when the server knows it), its icon, and whether it is a dataset rather than
 * a plain folder or file. What the server can draw a preview of is not restated here:
 * each entry says so itself (`IEntry.previewable`).
 */
import type { LabIcon } from '@jupyterlab/ui-components';

import type { EntryKind, IEntry } from './api';
import { KIND_ICON } from './common/icons';

/** The fields of an entry that describe its kind. */
export type KindInfo = Pick<IEntry, 'kind' | 'zarr_format' | 'ome_version'>;

interface IKind {
  /** The kind in words ("OME-Zarr image"). */
  name: string;
  /** The short badge of a dataset; null for plain folders and files. */
  badge: (info: KindInfo) => string | null;
  icon: LabIcon;
}

/** "v2" / "v3", or "" when the server does not know the Zarr version. */
function zarrVersion(info: KindInfo): string {
  return info.zarr_format ? `v${info.zarr_format}` : '';
}

function words(...parts: string[]): string {
  return parts.filter(Boolean).join(' ');
}

/** A badge of fixed words followed by the OME-NGFF version, when known. */
function omeBadge(label: string): (info: KindInfo) => string {
  return info => words(label, info.ome_version ?? '');
}

const none = () => null;

/** Every kind, in the order the UI lists them. */
export const KINDS: Record<EntryKind, IKind> = {
  directory: { name: 'Folder', badge: none, icon: KIND_ICON.folder },
  file: { name: 'File', badge: none, icon: KIND_ICON.file },
  'zarr-array': {
    name: 'Zarr array',
    badge: info => words('Zarr', zarrVersion(info)),
    icon: KIND_ICON.zarrArray
  },
  'zarr-group': {
    name: 'Zarr group',
    badge: info => words('Zarr', zarrVersion(info), 'group'),
    icon: KIND_ICON.zarrGroup
  },
  'ome-zarr': {
    name: 'OME-Zarr image',
    badge: omeBadge('OME-Zarr'),
    icon: KIND_ICON.omeZarr
  },
  'ome-zarr-plate': {
    name: 'OME-Zarr plate',
    badge: omeBadge('Plate'),
    icon: KIND_ICON.omeZarrPlate
  },
  'ome-zarr-well': {
    name: 'OME-Zarr well',
    badge: omeBadge('Well'),
    icon: KIND_ICON.omeZarrWell
  },
  'ome-zarr-labels': {
    name: 'OME-Zarr labels',
    badge: omeBadge('Labels'),
    icon: KIND_ICON.omeZarrLabels
  },
  bioformats2raw: {
    name: 'bioformats2raw',
    badge: omeBadge('bioformats2raw'),
    icon: KIND_ICON.bioformats2raw
  },
  // N5 arrays and groups share their icon: the badge tells them apart.
  'n5-array': { name: 'N5 array', badge: () => 'N5', icon: KIND_ICON.n5 },
  'n5-group': { name: 'N5 group', badge: () => 'N5 group', icon: KIND_ICON.n5 },
  tiff: { name: 'TIFF', badge: () => 'TIFF', icon: KIND_ICON.tiff },
  'ome-tiff': {
    name: 'OME-TIFF',
    badge: () => 'OME-TIFF',
    icon: KIND_ICON.omeTiff
  },
  // A folder of numbered TIFF planes that converts as one image.
  'tiff-series': {
    name: 'TIFF file series',
    badge: () => 'TIFF series',
    icon: KIND_ICON.tiffSeries
  }
};

/** Every kind, in the order the UI lists them. */
export const ALL_KINDS = Object.keys(KINDS) as EntryKind[];

/** The kind's name in words ("OME-Zarr image"); a kind this frontend does not know as it is. */
export function kindName(kind: EntryKind): string {
  return KINDS[kind]?.name ?? kind;
}

/** True for everything the inspector has more to say about than a folder or a file. */
export function isDataset(kind: EntryKind): boolean {
  return kind !== 'directory' && kind !== 'file';
}

/**
 * The short badge of a dataset ("OME-Zarr 0.4", "Zarr v3", "OME-TIFF"), or null for
 * plain folders and files.
 */
export function kindBadge(info: KindInfo): string | null {
  const known = KINDS[info.kind];
  return known ? known.badge(info) : info.kind;
}

/** The icon of a kind (the file icon for a kind this frontend does not know yet). */
export function kindIcon(kind: EntryKind): LabIcon {
  return (KINDS[kind] ?? KINDS.file).icon;
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
