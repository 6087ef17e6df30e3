/**
 * The user's conversion jobs: the list the Jobs view shows, polled once a second while
 * any job is queued or running, and a signal when a job ends (for the notification).
 */
import { ISignal, Signal } from '@lumino/signaling';

import type {
  IFileglancerAPI,
  IJob,
  ISubmitJobRequest,
  JobState
} from '../api';
import type { LoadState } from '../inspector/inspectorModel';
import { describeRequestError } from '../common/requestError';

/** The part of the API the jobs model calls. */
export type JobsModelAPI = Pick<
  IFileglancerAPI,
  'listJobs' | 'submitJob' | 'cancelJob'
>;

export const JOBS_POLL_MS = 1000;

const ACTIVE: ReadonlySet<JobState> = new Set(['queued', 'running']);

/** Whether a job may still change (and be cancelled). */
export function isActive(job: IJob): boolean {
  return ACTIVE.has(job.state);
}

export class JobsModel {
  constructor(api: JobsModelAPI, pollInterval = JOBS_POLL_MS) {
    this._api = api;
    this._pollInterval = pollInterval;
  }

  get state(): LoadState<IJob[]> {
    return this._state;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** A job this model saw running has ended (done, failed, cancelled, interrupted). */
  get ended(): ISignal<this, IJob> {
    return this._ended;
  }

  /** Submit a conversion; polling starts so that its progress and end are seen. */
  async submit(request: ISubmitJobRequest): Promise<IJob> {
    const job = await this._api.submitJob(request);
    this._watched.add(job.id);
    await this.refresh();
    return job;
  }

  async cancel(id: string): Promise<void> {
    await this._api.cancelJob(id);
    await this.refresh();
  }

  /** Read the jobs again; keeps polling while any is active. */
  async refresh(): Promise<void> {
    if (this._disposed) {
      return;
    }
    if (this._state.status !== 'ready') {
      this._set({ status: 'loading' });
    }
    let jobs: IJob[];
    try {
      jobs = await this._api.listJobs();
    } catch (error) {
      this._set({
        status: 'error',
        error: describeRequestError(error, 'job list')
      });
      this._schedule(false);
      return;
    }
    for (const job of jobs) {
      if (isActive(job)) {
        this._watched.add(job.id);
      } else if (this._watched.delete(job.id)) {
        this._ended.emit(job);
      }
    }
    this._set({ status: 'ready', value: jobs });
    this._schedule(jobs.some(isActive));
  }

  dispose(): void {
    this._disposed = true;
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _schedule(active: boolean): void {
    if (this._timer !== null || this._disposed || !active) {
      return;
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      void this.refresh();
    }, this._pollInterval);
  }

  private _set(state: LoadState<IJob[]>): void {
    this._state = state;
    this._changed.emit();
  }

  private _api: JobsModelAPI;
  private _pollInterval: number;
  private _state: LoadState<IJob[]> = { status: 'idle' };
  private _watched = new Set<string>();
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
  private _ended = new Signal<this, IJob>(this);
}
