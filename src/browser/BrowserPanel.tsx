import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import {
  folderIcon,
  refreshIcon,
  ToolbarButtonComponent
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { IRoot } from '../api';
import { RootsModel } from './rootsModel';

/** The list of configured roots; unavailable roots are shown greyed with the reason. */
export function RootsList(props: { model: RootsModel }): JSX.Element {
  const { model } = props;
  const state = model.state;
  if (state.status === 'loading') {
    return <div className="jp-Fileglancer-status">Loading roots…</div>;
  }
  if (state.status === 'error') {
    return (
      <div className="jp-Fileglancer-status jp-Fileglancer-error" role="alert">
        Could not load the roots: {state.message}
      </div>
    );
  }
  if (state.roots.length === 0) {
    return (
      <div className="jp-Fileglancer-status">No roots are configured.</div>
    );
  }
  return (
    <ul className="jp-Fileglancer-roots" aria-label="Roots">
      {state.roots.map(root => (
        <RootItem
          key={root.name}
          root={root}
          selected={model.selected === root.name}
          onSelect={() => model.select(root.name)}
        />
      ))}
    </ul>
  );
}

function RootItem(props: {
  root: IRoot;
  selected: boolean;
  onSelect: () => void;
}): JSX.Element {
  const { root, selected, onSelect } = props;
  const classes = ['jp-Fileglancer-root'];
  if (selected) {
    classes.push('jp-mod-selected');
  }
  if (!root.available) {
    classes.push('jp-mod-unavailable');
  }
  return (
    <li
      className={classes.join(' ')}
      data-root={root.name}
      title={root.available ? root.path : `Unavailable: ${root.problem}`}
      aria-disabled={!root.available}
      aria-selected={selected}
      role="option"
      tabIndex={0}
      onClick={onSelect}
      onKeyDown={event => {
        if (event.key === 'Enter' || event.key === ' ') {
          onSelect();
        }
      }}
    >
      <folderIcon.react tag="span" className="jp-Fileglancer-rootIcon" />
      <span className="jp-Fileglancer-rootTitle">{root.title}</span>
      <span className="jp-Fileglancer-rootPath">
        {root.available ? root.path : root.problem}
      </span>
    </li>
  );
}

/** The left-sidebar panel: for now, the roots; the directory listing comes next. */
export class BrowserPanel extends ReactWidget {
  constructor(readonly model: RootsModel) {
    super();
    this.addClass('jp-Fileglancer-browser');
  }

  render(): JSX.Element {
    return (
      <>
        <div className="jp-Fileglancer-header">
          <h2 className="jp-Fileglancer-title">Fileglancer</h2>
          <ToolbarButtonComponent
            icon={refreshIcon}
            tooltip="Reload the roots"
            onClick={() => void this.model.refresh()}
          />
        </div>
        <UseSignal signal={this.model.changed}>
          {() => <RootsList model={this.model} />}
        </UseSignal>
      </>
    );
  }
}
