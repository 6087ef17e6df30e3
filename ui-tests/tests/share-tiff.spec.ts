/**
 * A shared TIFF opens in the web viewers as OME-Zarr: turn on the data link of the demo
 * OME-TIFF in the Share tab, open its Neuroglancer and vizarr links, and read the virtual
 * OME-Zarr they point at through the link with no Jupyter login.
 */
import { expect, test } from '@jupyterlab/galata';
import { request as httpRequest } from '@playwright/test';

import { inspectDemo } from './helpers';

/** The page's window, recording the URLs the viewer buttons open. */
type Recording = Window & { opened: string[] };

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test('open a shared OME-TIFF in Neuroglancer and vizarr as OME-Zarr', async ({
  page
}, testInfo) => {
  const panel = await inspectDemo(page, 'tiff/cells.ome.tif');
  await panel.locator('[data-tab="share"]').click();
  const toggle = panel.locator('[data-tab-panel="share"] [role="switch"]');
  await expect(toggle).toBeVisible();
  if (!(await toggle.isChecked())) {
    await toggle.click(); // else: the link of an earlier try, which serves as well
  }
  await expect(toggle).toBeChecked();
  await page.screenshot({ path: testInfo.outputPath('share-tiff.png') });

  // The viewer buttons open new tabs: record their URLs instead of leaving the machine.
  await page.evaluate(() => {
    (window as unknown as Recording).opened = [];
    window.open = (url?: string | URL) => {
      (window as unknown as Recording).opened.push(String(url));
      return null;
    };
  });
  await panel.locator('button[data-viewer="Neuroglancer"]').click();
  await panel.locator('button[data-viewer="vizarr"]').click();
  const opened: string[] = await page.evaluate(
    () => (window as unknown as Recording).opened
  );
  expect(opened).toHaveLength(2);
  const virtual = opened[1].split('?source=')[1];
  expect(virtual).toMatch(
    /\/fileglancer\/s\/[A-Za-z0-9_-]{20,}\/cells\.ome\.tif\/ome\.zarr\/$/
  );
  const state: { layers: Array<{ name: string; source: { url: string } }> } =
    JSON.parse(decodeURIComponent(opened[0].split('#!')[1]));
  expect(state.layers.map(layer => layer.name)).toEqual([
    'DAPI',
    'GFP',
    'mCherry'
  ]);
  expect(state.layers[0].source.url).toBe(`zarr2://${virtual}`);

  // What the viewers read: the virtual OME-Zarr, served to anyone with the link.
  const anonymous = await httpRequest.newContext();
  const attrs = await anonymous.get(`${virtual}.zattrs`);
  expect(attrs.status()).toBe(200);
  expect((await attrs.json()).multiscales[0].version).toBe('0.4');
  const zarray = await (await anonymous.get(`${virtual}0/.zarray`)).json();
  expect(zarray.dimension_separator).toBe('/');
  const chunk = await anonymous.get(`${virtual}0/0/0/0/0`);
  expect(chunk.status()).toBe(200);
  await anonymous.dispose();
});
