import { ReactWidget } from '@jupyterlab/apputils';
import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { IEntry, IJob, IRoot, ISubmitJobRequest } from '../api';
import { formatFullTime, formatBytes } from '../common/format';
import { useSignal } from '../common/hooks';
import { PanelHeader } from '../common/panelHeader';
import { isDataset, kindBadge, kindDescription, kindIcon } from '../kinds';
import { linuxPath } from '../common/paths';
import { DatasetDetails } from './DatasetDetails';
import { InspectorModel } from './inspectorModel';
import { Aside, Field } from './sections/common';

/** What the inspector shows when nothing is selected. */
export function InspectorEmptyState(): JSX.Element {
  return (
    <div className="jp-Fileglancer-empty">
      <p className="jp-Fileglancer-emptyTitle">No dataset selected</p>
      <p>
        Select a Zarr, OME-Zarr, N5 or TIFF dataset in the Fileglancer browser
        to see its shape, chunks, codecs, pixel sizes and channels here.
      </p>
    </div>
  );
}

/** Name, kind, location, size, time, owner and mode of one entry. */
export function EntrySummary(props: {
  root: IRoot;
  entry: IEntry;
}): JSX.Element {
  const { root, entry } = props;
  const Icon = kindIcon(entry.kind);
  const badge = kindBadge(entry);
  return (
    <div className="jp-Fileglancer-summary" data-kind={entry.kind}>
      <div className="jp-Fileglancer-summaryTitle">
        <Icon.react tag="span" className="jp-Fileglancer-summaryIcon" />
        <span className="jp-Fileglancer-summaryName" title={entry.name}>
          {entry.name || root.title}
        </span>
        {badge && (
          <span className="jp-Fileglancer-badge" data-kind={entry.kind}>
            {badge}
          </span>
        )}
      </div>
      {entry.problem && (
        <div className="jp-Fileglancer-problem" role="alert">
          {entry.problem}
        </div>
      )}
      <dl className="jp-Fileglancer-fields">
        <Field label="Kind" name="kind">
          {kindDescription(entry)}
        </Field>
        <Field label="Root" name="root">
          {root.title}
        </Field>
        <Field label="Path" name="path">
          <span className="jp-Fileglancer-pathValue">
            {linuxPath(root.path, entry.path)}
          </span>
        </Field>
        <Field label="Size" name="size">
          {entry.size === null ? '—' : formatBytes(entry.size)}
          {entry.size !== null && entry.size >= 1024 && (
            <Aside className="jp-Fileglancer-exact">
              {entry.size.toLocaleString('en-US')} bytes
            </Aside>
          )}
        </Field>
        <Field label="Modified" name="mtime">
          {formatFullTime(entry.mtime)}
        </Field>
        <Field label="Owner" name="owner">
          {entry.owner ?? '—'}
        </Field>
        <Field label="Mode" name="mode">
          <code>{entry.mode}</code>
        </Field>
        {entry.is_symlink && (
          <Field label="Link" name="symlink">
            Symbolic link
          </Field>
        )}
        {!entry.readable && (
          <Field label="Access" name="readable">
            Not readable by you
          </Field>
        )}
      </dl>
    </div>
  );
}

/** The inspector's body for each state of its model. */
/** What the inspector's buttons do beyond the panel itself (set by the plugin). */
export interface IInspectorActions {
  /** Open the list of all the user's data links. */
  showLinks?: () => void;
  /** Start a conversion job; resolves with the job. */
  submitConversion?: (request: ISubmitJobRequest) => Promise<IJob>;
  /** A conversion was started from the Convert tab. */
  conversionStarted?: (job: IJob) => void;
  /** Insert a code snippet into the active notebook's active cell. */
  insertSnippet?: (code: string) => void;
  /** Open the image in the main-area viewer. */
  openViewer?: (root: string, path: string) => void;
}

export function InspectorView(props: {
  model: InspectorModel;
  actions?: IInspectorActions;
}): JSX.Element {
  const { model } = props;
  useSignal(model.changed);
  const state = model.state;
  if (state.status === 'empty') {
    return <InspectorEmptyState />;
  }
  return (
    <div
      className="jp-Fileglancer-inspectorBody"
      aria-busy={state.status === 'loading'}
      data-status={state.status}
    >
      <EntrySummary root={state.root} entry={state.entry} />
      {state.status === 'loading' && (
        <div className="jp-Fileglancer-status">Reading…</div>
      )}
      {state.status === 'error' && (
        <div
          className="jp-Fileglancer-status jp-Fileglancer-error"
          role="alert"
          data-error-kind={state.error.kind}
        >
          <p className="jp-Fileglancer-errorTitle">{state.error.title}</p>
          {state.error.detail !== state.error.title && (
            <p className="jp-Fileglancer-errorDetail">{state.error.detail}</p>
          )}
          <Button small onClick={() => void model.reload()}>
            Retry
          </Button>
        </div>
      )}
      {state.status === 'ready' && isDataset(state.entry.kind) && (
        <DatasetDetails
          meta={model.meta}
          stats={model.stats}
          loadMembers={model.membersLoader}
          thumbnailUrl={model.thumbnailUrl}
          largeThumbnailUrl={model.largeThumbnailUrl}
          tab={model.tab}
          onTab={tab => (model.tab = tab)}
          share={model.share}
          root={state.root}
          entry={state.entry}
          actions={props.actions ?? {}}
          convertPreset={model.convertPreset}
          onFix={fix => model.applyFix(fix)}
          edit={
            model.editor && {
              editor: model.editor,
              editing: model.editing,
              focus: model.editFocus,
              start: () => model.startEditing(),
              stop: () => model.stopEditing(),
              reload: () => void model.reload()
            }
          }
          onEditFix={fix => void model.applyEditFix(fix)}
        />
      )}
    </div>
  );
}

/** The right-sidebar metadata inspector: follows the browser's selection. */
export class InspectorPanel extends ReactWidget {
  constructor(
    readonly model: InspectorModel,
    private readonly _actions: IInspectorActions = {}
  ) {
    super();
    this.addClass('jp-Fileglancer-inspector');
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }

  render(): JSX.Element {
    return (
      <>
        <PanelHeader
          title="Inspector"
          tooltip="Read the selected entry again"
          action="reload-entry"
          onRefresh={() => void this.model.reload()}
        />
        <InspectorView model={this.model} actions={this._actions} />
      </>
    );
  }
}
