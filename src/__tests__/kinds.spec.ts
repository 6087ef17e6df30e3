import type { EntryKind } from '../api';
import {
  ALL_KINDS,
  kindIcon,
  KINDS,
  isDataset,
  kindBadge,
  kindDescription,
  kindName
} from '../kinds';

const info = (
  kind: EntryKind,
  zarr_format: number | null = null,
  ome_version: string | null = null
) => ({ kind, zarr_format, ome_version });

describe('kinds', () => {
  it('badges datasets with their format version', () => {
    expect(kindBadge(info('ome-zarr', 2, '0.4'))).toBe('OME-Zarr 0.4');
    expect(kindBadge(info('ome-zarr', 3, '0.5'))).toBe('OME-Zarr 0.5');
    expect(kindBadge(info('zarr-array', 3))).toBe('Zarr v3');
    expect(kindBadge(info('zarr-array', 2))).toBe('Zarr v2');
    expect(kindBadge(info('zarr-group', 2))).toBe('Zarr v2 group');
    expect(kindBadge(info('ome-zarr-plate', 2, '0.4'))).toBe('Plate 0.4');
    expect(kindBadge(info('ome-tiff'))).toBe('OME-TIFF');
    expect(kindBadge(info('tiff'))).toBe('TIFF');
    expect(kindBadge(info('n5-array'))).toBe('N5');
    expect(kindBadge(info('tiff-series'))).toBe('TIFF series');
    expect(isDataset('tiff-series')).toBe(true);
  });

  it('leaves out a version the server does not know', () => {
    expect(kindBadge(info('ome-zarr'))).toBe('OME-Zarr');
    expect(kindBadge(info('zarr-array'))).toBe('Zarr');
  });

  it('gives plain folders and files no badge, and does not call them datasets', () => {
    expect(kindBadge(info('directory'))).toBeNull();
    expect(kindBadge(info('file'))).toBeNull();
    expect(isDataset('directory')).toBe(false);
    expect(isDataset('file')).toBe(false);
    expect(isDataset('zarr-array')).toBe(true);
    expect(isDataset('ome-tiff')).toBe(true);
  });

  it('describes a kind in full', () => {
    expect(kindDescription(info('ome-zarr', 2, '0.4'))).toBe(
      'OME-Zarr image, NGFF 0.4, Zarr v2'
    );
    expect(kindName('ome-zarr-well')).toBe('OME-Zarr well');
  });

  it('has an icon for every kind, distinct except the two N5 kinds', () => {
    const icons = ALL_KINDS.map(kind => kindIcon(kind));
    expect(icons.every(icon => icon !== undefined)).toBe(true);
    expect(new Set(icons).size).toBe(ALL_KINDS.length - 1);
    expect(KINDS['n5-array'].icon).toBe(KINDS['n5-group'].icon);
    expect(kindIcon('ome-zarr').svgstr).toContain('jp-icon3');
  });
});
