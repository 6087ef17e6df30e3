import { LabIcon } from '@jupyterlab/ui-components';

import type { EntryKind } from '../api';
import fileglancerSvg from '../../style/icons/fileglancer.svg';
import hiddenFilesSvg from '../../style/icons/hidden-files.svg';
import inspectorSvg from '../../style/icons/inspector.svg';
import bioformats2rawSvg from '../../style/icons/kind-bioformats2raw.svg';
import fileSvg from '../../style/icons/kind-file.svg';
import folderSvg from '../../style/icons/kind-folder.svg';
import n5Svg from '../../style/icons/kind-n5.svg';
import omeTiffSvg from '../../style/icons/kind-ome-tiff.svg';
import omeZarrLabelsSvg from '../../style/icons/kind-ome-zarr-labels.svg';
import omeZarrPlateSvg from '../../style/icons/kind-ome-zarr-plate.svg';
import omeZarrWellSvg from '../../style/icons/kind-ome-zarr-well.svg';
import omeZarrSvg from '../../style/icons/kind-ome-zarr.svg';
import tiffSvg from '../../style/icons/kind-tiff.svg';
import zarrArraySvg from '../../style/icons/kind-zarr-array.svg';
import zarrGroupSvg from '../../style/icons/kind-zarr-group.svg';

export const fileglancerIcon = new LabIcon({
  name: 'fileglancer-ext:browser',
  svgstr: fileglancerSvg
});
export const inspectorIcon = new LabIcon({
  name: 'fileglancer-ext:inspector',
  svgstr: inspectorSvg
});
export const hiddenFilesIcon = new LabIcon({
  name: 'fileglancer-ext:hidden-files',
  svgstr: hiddenFilesSvg
});

function kindIconOf(name: string, svgstr: string): LabIcon {
  return new LabIcon({ name: `fileglancer-ext:kind-${name}`, svgstr });
}

const n5Icon = kindIconOf('n5', n5Svg);

/** One icon per entry kind; N5 arrays and groups share theirs (the badge tells them apart). */
export const KIND_ICONS: Record<EntryKind, LabIcon> = {
  directory: kindIconOf('folder', folderSvg),
  file: kindIconOf('file', fileSvg),
  'zarr-array': kindIconOf('zarr-array', zarrArraySvg),
  'zarr-group': kindIconOf('zarr-group', zarrGroupSvg),
  'ome-zarr': kindIconOf('ome-zarr', omeZarrSvg),
  'ome-zarr-plate': kindIconOf('ome-zarr-plate', omeZarrPlateSvg),
  'ome-zarr-well': kindIconOf('ome-zarr-well', omeZarrWellSvg),
  'ome-zarr-labels': kindIconOf('ome-zarr-labels', omeZarrLabelsSvg),
  bioformats2raw: kindIconOf('bioformats2raw', bioformats2rawSvg),
  'n5-array': n5Icon,
  'n5-group': n5Icon,
  tiff: kindIconOf('tiff', tiffSvg),
  'ome-tiff': kindIconOf('ome-tiff', omeTiffSvg)
};

/** The icon of a kind (the file icon for a kind this frontend does not know yet). */
export function kindIcon(kind: EntryKind): LabIcon {
  return KIND_ICONS[kind] ?? KIND_ICONS.file;
}
