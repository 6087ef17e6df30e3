import { ReactWidget } from '@jupyterlab/apputils';
import * as React from 'react';

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

/** The right-sidebar metadata inspector (the metadata views come with the inspect work). */
export class InspectorPanel extends ReactWidget {
  constructor() {
    super();
    this.addClass('jp-Fileglancer-inspector');
  }

  render(): JSX.Element {
    return (
      <>
        <div className="jp-Fileglancer-header">
          <h2 className="jp-Fileglancer-title">Inspector</h2>
        </div>
        <InspectorEmptyState />
      </>
    );
  }
}
