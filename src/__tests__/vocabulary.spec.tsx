/**
 * One vocabulary across kinds: N5 figures in the C (z, y, x) order and OME's unit symbols,
 * N5's block size as its chunks, and shard files called shard files; and the Overview's
 * pixel sizes, channels and larger preview.
 */
import type { IMetaResponse, IStatsDone } from '../api';
import { arrayFacts, n5ResolutionText } from '../inspector/facts';
import { InspectorPanel } from '../inspector/InspectorPanel';
import { datasetAPI, makeEntry, n5GroupMeta } from './fakes';
import omeMetaFixture from './fixtures/meta-ome-zarr-0.4.json';
import shardedMetaFixture from './fixtures/meta-zarr-v3-sharded.json';
import { showInspector, until } from './render';

const shardedMeta = shardedMetaFixture as unknown as IMetaResponse;

/** An N5 pyramid as `GET meta` describes the demo's nuclei.n5 (stored x, y, z). */
const n5Meta: IMetaResponse = {
  ...n5GroupMeta({
    dataset: null,
    group: {
      children: [],
      children_total: 0,
      children_truncated: false,
      multiscale: {
        pixel_resolution: { dimensions: [0.5, 0.5, 2], unit: 'um' },
        levels: [
          {
            path: 's0',
            shape_c_order: [16, 256, 256],
            block_shape_c_order: [16, 64, 64],
            data_type: 'uint16',
            downsampling_factors: [1, 1, 1]
          },
          {
            path: 's1',
            shape_c_order: [16, 128, 128],
            block_shape_c_order: [16, 64, 64],
            data_type: 'uint16',
            downsampling_factors: [2, 2, 1]
          }
        ]
      }
    }
  }),
  health: []
};

/** One level holding the whole dataset: its figures are the totals. */
const totals = {
  stored_bytes: 1000,
  allocated_bytes: 1000,
  files: 5,
  chunk_files: 4,
  chunks_expected: 4,
  chunks_missing: 0,
  logical_bytes: 2000,
  compression_ratio: 2
};
const stats: IStatsDone = {
  state: 'done',
  ...totals,
  levels: [{ path: 's0', ...totals }]
};

async function inspect(
  path: string,
  kind: string,
  meta: IMetaResponse,
  options: {
    previewable?: boolean;
    thumbnailURL?: (root: string, path: string, size?: number) => string;
  } = {}
): Promise<InspectorPanel> {
  const entry = makeEntry(path, {
    kind: kind as never,
    previewable: options.previewable ?? false
  });
  const { panel } = await showInspector(
    entry,
    datasetAPI(entry, meta, {
      getStats: async () => stats,
      thumbnailURL: options.thumbnailURL ?? (() => '')
    })
  );
  await until(() =>
    expect(
      panel.node.querySelector('[data-field="stored_bytes"]')
    ).not.toBeNull()
  );
  return panel;
}

const text = (panel: InspectorPanel, selector: string) =>
  panel.node.querySelector(selector)?.textContent ?? null;

describe('one vocabulary', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('writes an N5 resolution in z, y, x order with µm, as OME pixel sizes are', () => {
    expect(n5ResolutionText({ dimensions: [0.5, 0.5, 2], unit: 'um' })).toBe(
      '2 × 0.5 × 0.5 µm'
    );
    expect(n5ResolutionText({ dimensions: [4, 8], unit: 'nm' })).toBe(
      '8 × 4 nm'
    );
    expect(n5ResolutionText(null)).toBe('—');
  });

  it("shows an N5 pyramid's block size as its chunks, in C order", async () => {
    expect(arrayFacts(n5Meta)?.chunks).toEqual([16, 64, 64]);
    const panel = await inspect('nuclei.n5', 'n5-group', n5Meta);
    expect(text(panel, '[data-field="chunks"]')).toBe('16 × 64 × 64');
    panel.node.querySelector<HTMLElement>('[data-tab="metadata"]')!.click();
    await until(() =>
      expect(text(panel, '[data-field="n5-resolution"]')).toBe(
        '2 × 0.5 × 0.5 µm'
      )
    );
    const rows = Array.from(
      panel.node.querySelectorAll('[data-table="n5-levels"] tbody tr')
    ).map(row =>
      Array.from(row.querySelectorAll('td')).map(cell => cell.textContent)
    );
    expect(rows[1]).toEqual([
      's1',
      '16 × 128 × 128',
      '16 × 64 × 64',
      '1 × 2 × 2'
    ]);
    panel.dispose();
  });

  it('calls the files of a sharded array shard files', async () => {
    const panel = await inspect('sharded.zarr', 'zarr-array', shardedMeta);
    const label = panel.node.querySelector('[data-field="chunk_files"]')
      ?.previousElementSibling?.textContent;
    expect(label).toBe('Shard files');
    panel.dispose();
  });
});

describe('the Overview beside its preview', () => {
  afterEach(() => {
    document.body.innerHTML = '';
    jest.restoreAllMocks();
  });

  it('shows pixel sizes with units and the channels with their colours', async () => {
    const meta = omeMetaFixture as unknown as IMetaResponse;
    const panel = await inspect('cells.ome.zarr', 'ome-zarr', meta);
    expect(text(panel, '[data-field="pixel_size"]')).toBe('2 × 0.5 × 0.5 µm');
    expect(
      panel.node.querySelector('[data-field="pixel_size"]')
        ?.previousElementSibling?.textContent
    ).toBe('Pixel size (z, y, x)');
    const channels = Array.from(
      panel.node.querySelectorAll('[data-field="channels"] li')
    ).map(li => [
      li.textContent?.trim(),
      li.querySelector('.jp-Fileglancer-swatch')?.getAttribute('data-color')
    ]);
    expect(channels).toEqual([
      ['DAPI', '#0000FF'],
      ['GFP', '#00FF00'],
      ['mCherry', '#FF0000']
    ]);
    panel.dispose();
  });

  it('opens a larger preview on click, captioned with the level and plane it shows', async () => {
    const fetched: string[] = [];
    (window as unknown as { fetch: unknown }).fetch = async (url: string) => {
      fetched.push(url);
      return {
        ok: true,
        headers: {
          get: (name: string) =>
            name === 'X-Fileglancer-Preview'
              ? "level%20's2'%2C%20maximum%20projection%20over%2016%20z%20planes"
              : null
        },
        blob: async () => new Blob(['png'])
      };
    };
    URL.createObjectURL = () => 'blob:preview';
    URL.revokeObjectURL = () => undefined;
    const meta = omeMetaFixture as unknown as IMetaResponse;
    const panel = await inspect('cells.ome.zarr', 'ome-zarr', meta, {
      previewable: true,
      thumbnailURL: (root, path, size) => `/thumb/${root}/${path}?size=${size}`
    });
    panel.node
      .querySelector<HTMLElement>('[data-action="large-preview"]')!
      .click();
    await until(() =>
      expect(
        document.body.querySelector('.jp-Dialog [data-field="preview-shown"]')
          ?.textContent
      ).toBe("Shows level 's2', maximum projection over 16 z planes.")
    );
    expect(fetched).toEqual(['/thumb/demo/cells.ome.zarr?size=1024']);
    expect(
      document.body
        .querySelector('.jp-Dialog .jp-Fileglancer-largePreview img')
        ?.getAttribute('src')
    ).toBe('blob:preview');
    document.body.querySelector<HTMLElement>('.jp-Dialog button')!.click();
    panel.dispose();
  });
});
