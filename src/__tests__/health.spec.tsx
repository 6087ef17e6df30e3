import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import type { IHealthWarning, IMetaResponse } from '../api';
import { initialValues } from '../convert/ConvertForm';
import { DATASET_MIME, DatasetOutput } from '../mime/DatasetOutput';
import extension from '../mime/index';
import { datasetAPI, makeEntry } from './fakes';
import omeMetaFixture from './fixtures/meta-ome-zarr-0.4.json';
import { show, showInspector, until } from './render';

const omeMeta = omeMetaFixture as unknown as IMetaResponse;

const singleLevel: IHealthWarning = {
  code: 'single-resolution',
  severity: 'warning',
  message:
    'A 4096 × 4096 image with one resolution level: viewers load it whole.',
  fix: {
    kind: 'recompress',
    options: { ngff_version: '0.5', chunks: [1, 512, 512] }
  }
};
const noUnits: IHealthWarning = {
  code: 'missing-units',
  severity: 'warning',
  message: 'The axes have no units.',
  fix: null
};

describe('health warnings in the inspector', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('lists the warnings and opens the Convert form filled in with a fix', async () => {
    const entry = makeEntry('big.ome.zarr', {
      kind: 'ome-zarr',
      zarr_format: 2
    });
    const { panel } = await showInspector(
      entry,
      datasetAPI(entry, { ...omeMeta, health: [singleLevel, noUnits] }),
      {
        actions: {
          submitConversion: () => new Promise<never>(() => undefined)
        }
      }
    );
    await until(() =>
      expect(
        panel.node.querySelector('[data-action="show-health"]')?.textContent
      ).toBe('2 health warnings')
    );
    panel.node
      .querySelector<HTMLElement>('[data-action="show-health"]')!
      .click();
    await until(() =>
      expect(
        panel.node.querySelectorAll('.jp-Fileglancer-healthItem')
      ).toHaveLength(2)
    );
    // Only the warning a conversion fixes offers to fix it.
    expect(
      panel.node.querySelectorAll('[data-action="apply-fix"]')
    ).toHaveLength(1);
    panel.node.querySelector<HTMLElement>('[data-action="apply-fix"]')!.click();
    await until(() =>
      expect(
        panel.node.querySelector('[data-tab-panel="convert"] form')
      ).not.toBeNull()
    );
    const form = panel.node.querySelector('[data-tab-panel="convert"] form')!;
    const value = (name: string) =>
      form.querySelector<HTMLInputElement | HTMLSelectElement>(
        `[name="${name}"]`
      )?.value;
    expect(value('choice')).toBe('1'); // "Recompressed OME-Zarr"
    expect(value('ngff_version')).toBe('0.5');
    expect(value('chunks')).toBe('1, 512, 512');
    panel.dispose();
  });

  it('colours the badge by the most serious item: a Zarr v2 note is no warning', async () => {
    const zarrV2: IHealthWarning = {
      code: 'zarr-v2',
      severity: 'info',
      message: 'stored as Zarr v2 (OME-NGFF up to 0.4)',
      fix: { kind: 'recompress', options: { ngff_version: '0.5' } }
    };
    const entry = makeEntry('old.ome.zarr', {
      kind: 'ome-zarr',
      zarr_format: 2
    });
    let health = [zarrV2];
    const { panel, model } = await showInspector(
      entry,
      datasetAPI(entry, omeMeta, {
        getMeta: async () => ({ ...omeMeta, health })
      })
    );
    const badge = () =>
      panel.node.querySelector<HTMLElement>('[data-action="show-health"]');
    await until(() => expect(badge()?.textContent).toBe('1 note'));
    expect(badge()!.dataset.severity).toBe('info');
    health = [zarrV2, noUnits];
    await model.reload();
    await until(() => expect(badge()?.textContent).toBe('2 health warnings'));
    expect(badge()!.dataset.severity).toBe('warning');
    panel.dispose();
  });

  it('starts new conversions as OME-NGFF 0.5 (Zarr v3), as the notes recommend', () => {
    expect(
      initialValues(makeEntry('a.tif', { kind: 'tiff' })).ngffVersion
    ).toBe('0.5');
    const ome = makeEntry('a.ome.zarr', { kind: 'ome-zarr', zarr_format: 2 });
    expect(initialValues(ome).ngffVersion).toBe('0.5');
  });

  it('fills nothing in without a fix', () => {
    const entry = makeEntry('a.tif', { kind: 'tiff' });
    expect(initialValues(entry, null)).toEqual(initialValues(entry));
  });
});

describe('the notebook output of show()', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('is registered for its MIME type', () => {
    expect(extension.rendererFactory.mimeTypes).toEqual([DATASET_MIME]);
    expect(extension.rendererFactory.safe).toBe(true);
  });

  it('draws the summary with the inspector pieces', async () => {
    const renderer = new DatasetOutput();
    const payload = {
      ...omeMeta,
      health: [noUnits],
      path: '/data/demo/ome-zarr-0.4/cells.ome.zarr',
      thumbnail: 'data:image/png;base64,iVBORw0KGgo='
    };
    const model = {
      data: { [DATASET_MIME]: payload },
      metadata: {},
      trusted: true,
      setData: () => undefined
    } as unknown as IRenderMime.IMimeModel;
    await show(renderer);
    await renderer.renderModel(model);
    await until(() =>
      expect(
        renderer.node.querySelector('.jp-Fileglancer-summaryName')?.textContent
      ).toBe('cells.ome.zarr')
    );
    const node = renderer.node;
    expect(node.querySelector('.jp-Fileglancer-badge')?.textContent).toBe(
      'OME-Zarr 0.4'
    );
    expect(
      node.querySelector('.jp-Fileglancer-validationBadge')?.textContent
    ).toBe('Valid OME-NGFF 0.4');
    expect(node.querySelector('img')?.getAttribute('src')).toBe(
      payload.thumbnail
    );
    expect(node.querySelector('[data-field="shape"]')?.textContent).toBe(
      'c 3 × z 16 × y 256 × x 256'
    );
    expect(
      node.querySelectorAll('[data-table="channels"] tbody tr')
    ).toHaveLength(3);
    expect(node.querySelector('[data-table="levels"]')?.textContent).toContain(
      '2 × 0.5 × 0.5 µm'
    );
    expect(
      node.querySelector('[data-code="missing-units"]')?.textContent
    ).toContain('no units');
    renderer.dispose();
  });
});
