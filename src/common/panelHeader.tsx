/** The title line of a Fileglancer panel or view, with its refresh button. */
import { refreshIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import * as React from 'react';

export function PanelHeader(props: {
  title: string;
  /** The refresh button's tooltip. */
  tooltip: string;
  /** data-action of the refresh button. */
  action: string;
  onRefresh: () => void;
}): JSX.Element {
  return (
    <div className="jp-Fileglancer-header">
      <h2 className="jp-Fileglancer-title">{props.title}</h2>
      <ToolbarButtonComponent
        icon={refreshIcon}
        tooltip={props.tooltip}
        dataset={{ action: props.action }}
        onClick={props.onRefresh}
      />
    </div>
  );
}
