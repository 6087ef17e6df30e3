import { Notification } from '@jupyterlab/apputils';

import type { IJob, IMetaResponse, ISubmitJobRequest } from '../api';
import {
  conversionChoices,
  parseSizes,
  stem
} from '../convert/conversionChoices';
import {
  buildRequest,
  ConvertForm,
  initialValues
} from '../convert/ConvertForm';
import { JobsModel } from '../convert/jobsModel';
import { formatEta, JobsPanel } from '../convert/JobsPanel';
import { datasetAPI, fakeAPI, makeEntry, makeRoot, settle } from './fakes';
import omeMetaFixture from './fixtures/meta-ome-zarr-0.4.json';
import { show, showInspector, until } from './render';
import { ReactWidget } from '@jupyterlab/apputils';
import * as React from 'react';

const omeMeta = omeMetaFixture as unknown as IMetaResponse;
const ROOT = makeRoot('demo');
const TIFF = makeEntry('raw/cells.ome.tif', { kind: 'ome-tiff' });
const SERIES = makeEntry('series/cells-planes', { kind: 'tiff-series' });
const seriesMeta = {
  kind: 'tiff-series',
  zarr_format: null,
  ome_version: null,
  root: 'demo',
  path: 'series/cells-planes',
  array: null,
  group: null,
  ome: null,
  n5: null,
  raw: {},
  problems: [],
  validation: null,
  series: {
    pattern: 'cells_z{z}_c{c}.tif',
    guessed: true,
    axes: 'czyx',
    sizes: { c: 2, z: 20, y: 128, x: 128 },
    starts: { c: 0, z: 0 },
    plane_shape: [128, 128],
    dtype: 'uint16',
    file_count: 40,
    problem: null
  }
} as IMetaResponse;
const OME = makeEntry('ome/cells.ome.zarr', {
  kind: 'ome-zarr',
  zarr_format: 2,
  ome_version: '0.4'
});

function makeJob(overrides: Partial<IJob> = {}): IJob {
  return {
    id: 'j1',
    owner: 'ada',
    kind: 'tiff-to-ome-zarr',
    source: { root: 'demo', path: 'raw/cells.ome.tif' },
    destination: { root: 'demo', path: 'raw/cells.ome.zarr' },
    options: {},
    state: 'running',
    progress: 0.25,
    bytes_done: 1 << 20,
    bytes_total: 4 << 20,
    stage: 'level 0',
    eta_seconds: 30,
    error: null,
    created: '2026-11-26T04:00:00Z',
    started: '2026-11-26T04:00:01Z',
    finished: null,
    result: null,
    ...overrides
  };
}

describe('conversionChoices', () => {
  it('offers OME-Zarr for TIFF and CZI files, next to the source', () => {
    expect(conversionChoices(TIFF).map(c => [c.kind, c.destination])).toEqual([
      ['tiff-to-ome-zarr', 'raw/cells.ome.zarr']
    ]);
    const czi = makeEntry('scan.czi', { kind: 'file' });
    expect(conversionChoices(czi)[0].kind).toBe('czi-to-ome-zarr');
    expect(conversionChoices(czi)[0].destination).toBe('scan.ome.zarr');
  });

  it('offers TIFF, recompression and one level for an OME-Zarr image', () => {
    expect(conversionChoices(OME).map(c => c.kind)).toEqual([
      'zarr-to-tiff',
      'recompress',
      'extract-level'
    ]);
    expect(conversionChoices(OME)[0].destination).toBe('ome/cells.ome.tif');
  });

  it('offers one OME-Zarr of all the planes for a file series', () => {
    expect(conversionChoices(SERIES).map(c => [c.kind, c.destination])).toEqual(
      [['series-to-ome-zarr', 'series/cells-planes.ome.zarr']]
    );
  });

  it('offers nothing for a plain folder or a text file', () => {
    expect(
      conversionChoices(makeEntry('notes', { kind: 'directory' }))
    ).toEqual([]);
    expect(conversionChoices(makeEntry('notes.txt'))).toEqual([]);
  });

  it('names outputs after the source without its format suffixes', () => {
    expect(stem('a.ome.tiff')).toBe('a');
    expect(stem('b.zarr')).toBe('b');
    expect(stem('.zarr')).toBe('.zarr');
  });

  it('reads chunk sizes the way people type them', () => {
    expect(parseSizes('64, 256, 256')).toEqual([64, 256, 256]);
    expect(parseSizes('256 x 256')).toEqual([256, 256]);
    expect(parseSizes('  ')).toBeNull();
    expect(parseSizes('64, -1')).toMatch(/whole numbers/);
  });
});

describe('buildRequest', () => {
  it('sends only the options that apply to the conversion', () => {
    const values = {
      ...initialValues(TIFF),
      ngffVersion: '0.5' as const,
      chunks: '1, 256, 256',
      shards: '1, 1024, 1024',
      levels: '3',
      labels: true
    };
    expect(buildRequest(ROOT, TIFF, values)).toEqual({
      kind: 'tiff-to-ome-zarr',
      source: { root: 'demo', path: 'raw/cells.ome.tif' },
      destination: { root: 'demo', path: 'raw/cells.ome.zarr' },
      options: {
        overwrite: false,
        ngff_version: '0.5',
        codec: 'blosc-zstd',
        compression_level: 5,
        chunks: [1, 256, 256],
        shards: [1, 1024, 1024],
        levels: 3,
        labels: true,
        downsampling: null
      }
    });
  });

  it('sends the file series pattern as edited, or none for the server to guess', () => {
    const values = initialValues(SERIES, null, 'cells_z{z}_c{c}.tif');
    const sent = buildRequest(ROOT, SERIES, {
      ...values,
      pattern: ' cells_z{z}_ch{c}.tif '
    });
    expect(typeof sent !== 'string' && sent.kind).toBe('series-to-ome-zarr');
    expect(typeof sent !== 'string' && sent.options.pattern).toBe(
      'cells_z{z}_ch{c}.tif'
    );
    const guessed = buildRequest(ROOT, SERIES, { ...values, pattern: '' });
    expect(typeof guessed !== 'string' && guessed.options.pattern).toBeNull();
  });

  it('writes an OME-TIFF of one level when the name says so', () => {
    const values = { ...initialValues(OME), level: '2' };
    expect(buildRequest(ROOT, OME, values)).toEqual({
      kind: 'zarr-to-tiff',
      source: { root: 'demo', path: 'ome/cells.ome.zarr' },
      destination: { root: 'demo', path: 'ome/cells.ome.tif' },
      options: {
        overwrite: false,
        tiff_compression: 'zlib',
        ome_tiff: true,
        level: 2
      }
    });
  });

  it('says what is wrong instead of sending a bad request', () => {
    const base = initialValues(TIFF);
    expect(buildRequest(ROOT, TIFF, { ...base, destination: ' ' })).toBe(
      'Give the new file or folder a name.'
    );
    expect(
      buildRequest(ROOT, TIFF, {
        ...base,
        ngffVersion: '0.4',
        shards: '1, 512, 512'
      })
    ).toBe('Shards need OME-NGFF 0.5 (Zarr v3).');
    expect(buildRequest(ROOT, TIFF, { ...base, chunks: 'big' })).toMatch(
      /^Chunks:/
    );
    expect(buildRequest(ROOT, OME, { ...initialValues(OME), choice: 2 })).toBe(
      'Pick the level to extract.'
    );
  });
});

describe('JobsModel', () => {
  it('polls while a job runs and announces its end once', async () => {
    const answers: IJob[][] = [
      [makeJob()],
      [makeJob({ progress: 0.75 })],
      [
        makeJob({
          state: 'done',
          progress: 1,
          finished: '2026-11-26T04:01:00Z'
        })
      ]
    ];
    const listJobs = jest.fn(
      async () => answers.shift() ?? [makeJob({ state: 'done', progress: 1 })]
    );
    const model = new JobsModel(fakeAPI({ listJobs }), 1);
    const ended: IJob[] = [];
    model.ended.connect((_, job) => ended.push(job));
    await model.refresh();
    await until(() => expect(ended.map(job => job.state)).toEqual(['done']));
    await settle();
    expect(listJobs).toHaveBeenCalledTimes(3);
    model.dispose();
  });

  it('watches a job it submitted', async () => {
    const submitted: ISubmitJobRequest[] = [];
    let state: IJob['state'] = 'queued';
    const model = new JobsModel(
      fakeAPI({
        submitJob: async request => {
          submitted.push(request);
          return makeJob({ state: 'queued' });
        },
        listJobs: async () => [makeJob({ state })]
      }),
      1
    );
    const ended: string[] = [];
    model.ended.connect((_, job) => ended.push(job.state));
    await model.submit(
      buildRequest(ROOT, TIFF, initialValues(TIFF)) as ISubmitJobRequest
    );
    state = 'failed';
    await until(() => expect(ended).toEqual(['failed']));
    expect(submitted).toHaveLength(1);
    model.dispose();
  });
});

describe('the Conversion jobs view', () => {
  afterEach(() => {
    document.body.innerHTML = '';
    jest.restoreAllMocks();
  });

  it('shows progress, cancels a running job and opens a finished one', async () => {
    let jobs = [
      makeJob(),
      makeJob({
        id: 'j0',
        state: 'done',
        progress: 1,
        finished: '2026-11-26T03:00:00Z'
      }),
      makeJob({
        id: 'jx',
        state: 'failed',
        progress: 0.1,
        error: {
          code: 'conversion_failed',
          message: 'notes.tif is not a TIFF file'
        }
      })
    ];
    const cancelled: string[] = [];
    const model = new JobsModel(
      fakeAPI({
        listJobs: async () => jobs,
        cancelJob: async id => {
          cancelled.push(id);
          jobs = jobs.map(job =>
            job.id === id ? { ...job, state: 'cancelled' } : job
          );
          return jobs[0];
        }
      }),
      60_000
    );
    const opened: string[] = [];
    const panel = new JobsPanel(model, job =>
      opened.push(job.destination.path)
    );
    await show(panel);
    await until(() =>
      expect(panel.node.querySelectorAll('[data-job]').length).toBe(3)
    );
    const running = panel.node.querySelector('[data-job="j1"]')!;
    expect(running.querySelector('progress')?.getAttribute('value')).toBe('25');
    expect(running.textContent).toContain(
      'level 0 · 1 MiB of 4 MiB · 30 s left'
    );
    expect(
      panel.node.querySelector('[data-job="jx"] [role="alert"]')?.textContent
    ).toBe('notes.tif is not a TIFF file');

    panel.node
      .querySelector<HTMLElement>(
        '[data-job="j0"] [data-action="open-result"]'
      )!
      .click();
    expect(opened).toEqual(['raw/cells.ome.zarr']);

    running.querySelector<HTMLElement>('[data-action="cancel-job"]')!.click();
    await until(() =>
      expect(
        panel.node.querySelector('[data-job="j1"]')?.getAttribute('data-state')
      ).toBe('cancelled')
    );
    expect(cancelled).toEqual(['j1']);
    panel.dispose();
    model.dispose();
  });

  it('writes the time left in words', () => {
    expect(formatEta(42)).toBe('42 s left');
    expect(formatEta(600)).toBe('10 min left');
    expect(formatEta(7500)).toBe('2 h 5 min left');
    expect(formatEta(null)).toBe('');
  });
});

describe('the Convert form', () => {
  afterEach(() => {
    document.body.innerHTML = '';
    jest.restoreAllMocks();
  });

  it('submits a conversion of the inspected OME-Zarr and reports a refusal', async () => {
    jest.spyOn(Notification, 'info').mockImplementation(() => '');
    const requests: ISubmitJobRequest[] = [];
    let refuse = true;
    const submitConversion = async (request: ISubmitJobRequest) => {
      requests.push(request);
      if (refuse) {
        throw new Error('ome/cells.ome.tif already exists');
      }
      return makeJob();
    };
    const started: IJob[] = [];
    const { panel } = await showInspector(OME, datasetAPI(OME, omeMeta), {
      root: ROOT,
      tab: 'convert',
      actions: {
        submitConversion,
        conversionStarted: job => started.push(job)
      }
    });
    await until(() =>
      expect(
        panel.node.querySelector('[data-tab-panel="convert"] form')
      ).not.toBeNull()
    );
    const levelOptions = Array.from(
      panel.node.querySelectorAll('select[name="level"] option')
    ).map(option => option.textContent);
    expect(levelOptions).toEqual([
      'Whole pyramid (SubIFDs)',
      's0 (full resolution)',
      's1',
      's2'
    ]);
    const submit = () =>
      panel.node
        .querySelector<HTMLButtonElement>('[data-action="start-conversion"]')!
        .click();
    submit();
    await until(() =>
      expect(
        panel.node.querySelector('.jp-Fileglancer-formProblem')?.textContent
      ).toBe('ome/cells.ome.tif already exists')
    );
    refuse = false;
    submit();
    await until(() => expect(started).toHaveLength(1));
    expect(requests[1].kind).toBe('zarr-to-tiff');
    expect(requests[1].destination).toEqual({
      root: 'demo',
      path: 'ome/cells.ome.tif'
    });
    panel.dispose();
  });

  it('opens a conversion result on its Overview, not on a Convert form back over the source', async () => {
    const result = makeEntry('ome/cells.ome.tif', { kind: 'ome-tiff' });
    const { panel, model, selection } = await showInspector(
      OME,
      datasetAPI([OME, result], omeMeta),
      {
        root: ROOT,
        tab: 'convert',
        actions: { submitConversion: async () => makeJob() }
      }
    );
    await until(() =>
      expect(
        panel.node.querySelector('[data-tab-panel="convert"] form')
      ).not.toBeNull()
    );
    await model.reload(); // the same dataset read again keeps its tab
    expect(model.tab).toBe('convert');
    selection.select(ROOT, result); // what "Show result" does (browser.reveal)
    await until(() =>
      expect(
        panel.node.querySelector('[data-tab-panel="overview"]')
      ).not.toBeNull()
    );
    expect(model.tab).toBe('overview');
    expect(panel.node.querySelector('[data-tab-panel="convert"]')).toBeNull();
    panel.dispose();
  });

  it('shows the inspected file series and proposes its pattern, editable', async () => {
    jest.spyOn(Notification, 'info').mockImplementation(() => '');
    const requests: ISubmitJobRequest[] = [];
    const { panel } = await showInspector(
      SERIES,
      datasetAPI(SERIES, seriesMeta),
      {
        root: ROOT,
        tab: 'convert',
        actions: {
          submitConversion: async request => {
            requests.push(request);
            return makeJob();
          }
        }
      }
    );
    const field = () =>
      panel.node.querySelector<HTMLInputElement>('input[name="pattern"]');
    await until(() => expect(field()?.value).toBe('cells_z{z}_c{c}.tif'));
    panel.node
      .querySelector<HTMLButtonElement>('[data-action="start-conversion"]')!
      .click();
    await until(() => expect(requests).toHaveLength(1));
    expect(requests[0].options.pattern).toBe('cells_z{z}_c{c}.tif');
    panel.dispose();
  });

  it('has no Convert tab for what cannot be converted', async () => {
    const entry = makeEntry('labels', { kind: 'ome-zarr-labels' });
    const { panel } = await showInspector(entry, datasetAPI(entry, omeMeta), {
      root: ROOT,
      actions: { submitConversion: async () => makeJob() }
    });
    await until(() =>
      expect(panel.node.querySelector('[data-tab="overview"]')).not.toBeNull()
    );
    expect(panel.node.querySelector('[data-tab="convert"]')).toBeNull();
    panel.dispose();
  });

  it('renders in a dialog body for a CZI file', async () => {
    const widget = ReactWidget.create(
      React.createElement(ConvertForm, {
        root: ROOT,
        entry: makeEntry('scan.czi'),
        submit: async () => makeJob()
      })
    );
    await show(widget);
    await until(() =>
      expect(
        widget.node.querySelector<HTMLInputElement>('input[name="destination"]')
          ?.value
      ).toBe('scan.ome.zarr')
    );
    widget.dispose();
  });
});
