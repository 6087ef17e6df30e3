/**
 * `fileglancer_ext.show(path)` in a notebook: the dataset's summary as cell output, drawn
 * with the inspector's own pieces (preview, shape, chunks, codecs, pixel sizes, channels,
 * validation badge, health warnings). The kernel sends the summary under DATASET_MIME.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { ReactWidget } from '@jupyterlab/apputils';
import * as React from 'react';

import type { IMetaResponse } from '../api';
import { kindBadge, kindDescription, kindIcon } from '../kinds';
import { arrayFacts, firstMultiscale } from '../inspector/facts';
import {
  ChannelsTable,
  LevelsTable
} from '../inspector/sections/ImageMetadata';
import { ArrayFields } from '../inspector/sections/OverviewSection';
import { ValidationBadge } from '../inspector/sections/ValidationSection';
import { HealthWarnings } from '../inspector/sections/HealthSection';

export const DATASET_MIME = 'application/vnd.fileglancer.dataset+json';

/** What `show()` sends: the metadata summary, its preview and where it is. */
export interface IDatasetOutput extends IMetaResponse {
  path: string;
  /** A PNG as a data URL, or null when there is nothing to preview. */
  thumbnail: string | null;
}

export function DatasetSummaryView(props: {
  data: IDatasetOutput;
}): JSX.Element {
  const { data } = props;
  const Icon = kindIcon(data.kind);
  const badge = kindBadge(data);
  const facts = arrayFacts(data);
  const multiscale = firstMultiscale(data);
  const name = data.path.split('/').filter(Boolean).pop() ?? data.path;
  return (
    <div className="jp-Fileglancer-output" data-kind={data.kind}>
      <div className="jp-Fileglancer-summaryTitle">
        <Icon.react tag="span" className="jp-Fileglancer-summaryIcon" />
        <span className="jp-Fileglancer-summaryName" title={data.path}>
          {name}
        </span>
        {badge && (
          <span className="jp-Fileglancer-badge" data-kind={data.kind}>
            {badge}
          </span>
        )}
        {data.validation && <ValidationBadge validation={data.validation} />}
      </div>
      <div className="jp-Fileglancer-outputBody">
        {data.thumbnail && (
          <img
            className="jp-Fileglancer-outputThumbnail"
            src={data.thumbnail}
            alt={`Preview of ${name}`}
          />
        )}
        <div>
          <p className="jp-Fileglancer-note">{kindDescription(data)}</p>
          {facts && (
            <dl className="jp-Fileglancer-fields">
              <ArrayFields facts={facts} />
            </dl>
          )}
        </div>
      </div>
      {multiscale && <LevelsTable multiscale={multiscale} />}
      {data.ome?.omero && data.ome.omero.channels.length > 0 && (
        <ChannelsTable omero={data.ome.omero} />
      )}
      <HealthWarnings health={data.health ?? []} />
    </div>
  );
}

/** The renderer JupyterLab creates for each output of DATASET_MIME. */
export class DatasetOutput
  extends ReactWidget
  implements IRenderMime.IRenderer
{
  constructor() {
    super();
    this.addClass('jp-Fileglancer-outputWidget');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this._data = model.data[DATASET_MIME] as unknown as IDatasetOutput;
    this.update();
    return this.renderPromise ?? Promise.resolve();
  }

  render(): JSX.Element | null {
    return this._data ? <DatasetSummaryView data={this._data} /> : null;
  }

  private _data: IDatasetOutput | null = null;
}
