import type { IMetaResponse } from '../api';
import { tiffChunks } from '../inspector/facts';
import { datasetAPI, makeEntry } from './fakes';
import tiffMetaFixture from './fixtures/meta-ome-tiff.json';
import { showInspector, until } from './render';

// What `fileglancer-ext info --json` printed for the demo OME-TIFF.
const tiffMeta = tiffMetaFixture as unknown as IMetaResponse;

describe('a TIFF in the inspector', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows its series, pyramid, tiling, pixel sizes, channels and preview', async () => {
    const entry = makeEntry('tiff/cells.ome.tif', {
      kind: 'ome-tiff',
      previewable: true
    });
    const { panel } = await showInspector(
      entry,
      datasetAPI(entry, tiffMeta, {
        thumbnailURL: (root, path) => `/thumb/${root}/${path}`
      })
    );
    const field = (name: string) =>
      panel.node.querySelector(`[data-field="${name}"]`)?.textContent;
    await until(() =>
      expect(field('shape')).toBe('c 3 × z 16 × y 256 × x 256')
    );
    expect(field('chunks')).toBe('c 1 × z 1 × y 64 × x 64');
    expect(field('codecs')).toBe('ADOBE_DEFLATE');
    expect(field('level')).toBeUndefined();
    expect(
      panel.node
        .querySelector('.jp-Fileglancer-thumbnail img')
        ?.getAttribute('src')
    ).toBe('/thumb/demo/tiff/cells.ome.tif');

    panel.node.querySelector<HTMLElement>('[data-tab="metadata"]')!.click();
    await until(() =>
      expect(
        panel.node.querySelector('[data-table="tiff-levels"]')
      ).not.toBeNull()
    );
    const levels = Array.from(
      panel.node.querySelectorAll('[data-table="tiff-levels"] tbody tr')
    ).map(row =>
      Array.from(row.querySelectorAll('td')).map(td => td.textContent)
    );
    expect(levels).toEqual([
      ['0', '3 × 16 × 256 × 256', '64 × 64', 'ADOBE_DEFLATE'],
      ['1 (SubIFD)', '3 × 16 × 128 × 128', '64 × 64', 'ADOBE_DEFLATE'],
      ['2 (SubIFD)', '3 × 16 × 64 × 64', '64 × 64', 'ADOBE_DEFLATE']
    ]);
    expect(field('tiff-pixel-size')).toBe('2 × 0.5 × 0.5 µm');
    expect(field('tiff-format')).toBe('TIFF, ome');
    const channels = Array.from(
      panel.node.querySelectorAll('[data-table="tiff-channels"] tbody tr')
    ).map(row => row.querySelectorAll('td')[1].textContent);
    expect(channels).toEqual(['DAPI', 'GFP', 'mCherry']);
    // A TIFF can be converted: the Convert tab is there.
    expect(panel.node.querySelector('[data-tab="convert"]')).not.toBeNull();
    panel.dispose();
  });

  it('puts an RGB tile around all samples of a pixel', () => {
    expect(tiffChunks(['y', 'x', 's'], [1024, 2048, 3], [256, 256])).toEqual([
      256, 256, 3
    ]);
    expect(tiffChunks(['i', 'y', 'x'], [20, 512, 512], [512, 512])).toEqual([
      1, 512, 512
    ]);
  });
});
