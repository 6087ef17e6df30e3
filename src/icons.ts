import { LabIcon } from '@jupyterlab/ui-components';

import fileglancerSvg from '../style/icons/fileglancer.svg';
import inspectorSvg from '../style/icons/inspector.svg';

export const fileglancerIcon = new LabIcon({
  name: 'fileglancer-ext:browser',
  svgstr: fileglancerSvg
});
export const inspectorIcon = new LabIcon({
  name: 'fileglancer-ext:inspector',
  svgstr: inspectorSvg
});
