import { LabIcon } from '@jupyterlab/ui-components';

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
import tiffSeriesSvg from '../../style/icons/kind-tiff-series.svg';
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

/** The icon of each kind of entry (`KINDS` in kinds.ts says which kind uses which). */
export const KIND_ICON = {
  folder: kindIconOf('folder', folderSvg),
  file: kindIconOf('file', fileSvg),
  zarrArray: kindIconOf('zarr-array', zarrArraySvg),
  zarrGroup: kindIconOf('zarr-group', zarrGroupSvg),
  omeZarr: kindIconOf('ome-zarr', omeZarrSvg),
  omeZarrPlate: kindIconOf('ome-zarr-plate', omeZarrPlateSvg),
  omeZarrWell: kindIconOf('ome-zarr-well', omeZarrWellSvg),
  omeZarrLabels: kindIconOf('ome-zarr-labels', omeZarrLabelsSvg),
  bioformats2raw: kindIconOf('bioformats2raw', bioformats2rawSvg),
  n5: kindIconOf('n5', n5Svg),
  tiff: kindIconOf('tiff', tiffSvg),
  omeTiff: kindIconOf('ome-tiff', omeTiffSvg),
  tiffSeries: kindIconOf('tiff-series', tiffSeriesSvg)
};
