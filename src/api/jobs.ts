/** Conversion jobs: submitted, listed (newest first) and cancelled. */
import { APIClient, JSONValue } from './client';
import type {
  ConversionKind,
  IConversionOptions,
  IJobLocation,
  ISubmitJobRequest
} from './convert';

export type JobState =
  'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

/** A conversion job as the server reports it. */
export interface IJob {
  id: string;
  owner: string;
  kind: ConversionKind;
  source: IJobLocation;
  destination: IJobLocation;
  options: IConversionOptions;
  state: JobState;
  /** 0 to 1. */
  progress: number;
  bytes_done: number | null;
  bytes_total: number | null;
  stage: string | null;
  eta_seconds: number | null;
  error: { code: string; message: string } | null;
  created: string;
  started: string | null;
  finished: string | null;
  result: { [key: string]: JSONValue } | null;
}

export interface IJobsAPI {
  submitJob(request: ISubmitJobRequest): Promise<IJob>;
  /** The user's jobs, newest first. */
  listJobs(): Promise<IJob[]>;
  /** Cancel a queued or running job; nothing it wrote is left behind. */
  cancelJob(id: string): Promise<IJob>;
}

export function jobsAPI(client: APIClient): IJobsAPI {
  return {
    submitJob: request => client.send<IJob>('POST', 'jobs', request),
    listJobs: async () => (await client.request<{ jobs: IJob[] }>('jobs')).jobs,
    cancelJob: id =>
      client.send<IJob>('DELETE', `jobs/${encodeURIComponent(id)}`)
  };
}
