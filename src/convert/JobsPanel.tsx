/**
 * "Conversion jobs": the user's jobs with a progress bar, stage and time left while they
 * run, the error when they fail, Cancel for active ones and "Show result" for done ones.
 */
import { Notification, ReactWidget } from '@jupyterlab/apputils';
import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { IJob } from '../api';
import { formatBytes, formatFullTime, formatShortTime } from '../common/format';
import { ListView } from '../common/listView';
import { errorMessage } from '../share/ShareTab';
import { isActive, JobsModel } from './jobsModel';

/** "42 s", "3 min", "1 h 5 min" left; "" when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) {
    return '';
  }
  if (seconds < 90) {
    return `${Math.round(seconds)} s left`;
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) {
    return `${minutes} min left`;
  }
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

function JobRow(props: {
  job: IJob;
  model: JobsModel;
  onOpenResult: (job: IJob) => void;
}): JSX.Element {
  const { job, model } = props;
  const percent = Math.round(job.progress * 100);
  const onCancel = async () => {
    try {
      await model.cancel(job.id);
    } catch (error) {
      Notification.error(
        `The job could not be cancelled: ${errorMessage(error)}`
      );
    }
  };
  return (
    <tr data-job={job.id} data-state={job.state}>
      <td>
        <code>
          {job.source.root}/{job.source.path}
        </code>
        <br />→{' '}
        <code>
          {job.destination.root}/{job.destination.path}
        </code>
      </td>
      <td>{job.kind}</td>
      <td className="jp-Fileglancer-jobProgress">
        <progress max={100} value={percent} aria-label="Progress" />
        <span data-field="job-state">
          {job.state}
          {isActive(job) && ` ${percent}%`}
        </span>
        {isActive(job) && (
          <span className="jp-Fileglancer-note">
            {[
              job.stage,
              job.bytes_total
                ? `${formatBytes(job.bytes_done)} of ${formatBytes(job.bytes_total)}`
                : '',
              formatEta(job.eta_seconds)
            ]
              .filter(Boolean)
              .join(' · ')}
          </span>
        )}
        {job.error && (
          <span className="jp-Fileglancer-jobError" role="alert">
            {job.error.message}
          </span>
        )}
      </td>
      <td title={formatFullTime(job.finished ?? job.started ?? job.created)}>
        {formatShortTime(job.finished ?? job.started ?? job.created)}
      </td>
      <td>
        {isActive(job) && (
          <Button
            small
            data-action="cancel-job"
            onClick={() => void onCancel()}
          >
            Cancel
          </Button>
        )}
        {job.state === 'done' && (
          <Button
            small
            data-action="open-result"
            onClick={() => props.onOpenResult(job)}
          >
            Show result
          </Button>
        )}
      </td>
    </tr>
  );
}

export function JobsView(props: {
  model: JobsModel;
  onOpenResult: (job: IJob) => void;
}): JSX.Element {
  return (
    <ListView
      className="jp-Fileglancer-jobs"
      title="Conversion jobs"
      what="your conversion jobs"
      refreshAction="refresh-jobs"
      model={props.model}
      empty="No conversions yet. Convert a TIFF, CZI or OME-Zarr from the Inspector's Convert tab or the browser's context menu."
      table="jobs"
      head={['Conversion', 'Kind', 'Progress', 'When', '']}
      row={job => (
        <JobRow
          key={job.id}
          job={job}
          model={props.model}
          onOpenResult={props.onOpenResult}
        />
      )}
    />
  );
}

/** The main-area view of the user's conversion jobs. */
export class JobsPanel extends ReactWidget {
  constructor(
    readonly model: JobsModel,
    private readonly _onOpenResult: (job: IJob) => void
  ) {
    super();
    this.addClass('jp-Fileglancer-jobsPanel');
    void model.refresh();
  }

  render(): JSX.Element {
    return <JobsView model={this.model} onOpenResult={this._onOpenResult} />;
  }
}
