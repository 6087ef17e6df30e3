/**
 * `fileglancer_ext.view()` as a notebook user meets it: a cell opens the main-area viewer
 * on the demo OME-Zarr, a reload brings the viewer back with its z plane and channels,
 * and a data link's URL opens through the link's public viewer routes.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { browser, openRoot, VIEWER, viewerCanvas } from './helpers';

async function drawn(page: IJupyterLabPageFixture): Promise<void> {
  await expect
    .poll(
      () => viewerCanvas(page, { sums: true }).then(([r, g, b]) => r + g + b),
      { timeout: 30_000 }
    )
    .toBeGreaterThan(0);
}

async function runView(
  page: IJupyterLabPageFixture,
  target: string
): Promise<void> {
  await page.notebook.createNew();
  await page.notebook.setCell(
    0,
    'code',
    `import fileglancer_ext\nfileglancer_ext.view(${JSON.stringify(target)})`
  );
  // Run through the command, not `page.notebook.runCell`: that one waits on the active
  // notebook, and the viewer this cell opens becomes the active tab.
  await page.waitForFunction(() => {
    const text =
      document.querySelector('#jp-main-statusbar')?.textContent ?? '';
    return !['Connecting', 'Initializing', 'Starting'].some(s =>
      text.includes(s)
    );
  });
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('notebook:run-cell');
  });
}

test.describe('Fileglancer viewer from a notebook', () => {
  test('view() opens the viewer, and a reload restores it with its z and channels', async ({
    page
  }, testInfo) => {
    await openRoot(page, 'demo');
    const demo = await browser(page)
      .locator('[data-root="demo"]')
      .getAttribute('title');
    expect(demo).toBeTruthy();
    await runView(page, `${demo}/ome-zarr-0.4/cells.ome.zarr`);

    const card = page.locator(
      '.jp-OutputArea-output .jp-Fileglancer-viewerCard'
    );
    await expect(card).toContainText('Image viewer: cells.ome.zarr', {
      timeout: 60_000
    });
    const viewer = page.locator(VIEWER);
    await expect(viewer.locator('[data-channel]')).toHaveCount(3);
    await drawn(page);
    await page.screenshot({ path: testInfo.outputPath('view-opened.png') });

    // Another z plane and DAPI hidden: what a reload must bring back.
    await viewer.locator('[data-action="z-plane"]').fill('3');
    await viewer
      .locator('[data-channel="0"] [data-action="toggle-channel"]')
      .uncheck();
    await expect(viewer.locator('.jp-Fileglancer-viewerPlane')).toContainText(
      '4 / 16'
    );
    await page.waitForTimeout(1500); // the restorer saves the state (debounced)
    // Saved, so that the reload is not held by an unsaved notebook.
    await page.activity.activateTab('Untitled.ipynb');
    await page.notebook.save();

    // Not Galata's readiness check, which waits for a Launcher the restored layout lacks.
    await page.reload({ waitForIsReady: false });
    await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
    await expect
      .poll(() => page.activity.activateTab('Image Viewer'), {
        timeout: 60_000
      })
      .toBe(true);
    const restored = page.locator(VIEWER);
    await expect(restored.locator('[data-channel]')).toHaveCount(3, {
      timeout: 60_000
    });
    await expect(restored.locator('.jp-Fileglancer-viewerPlane')).toContainText(
      '4 / 16'
    );
    await expect(
      restored.locator('[data-channel="0"] [data-action="toggle-channel"]')
    ).not.toBeChecked();
    await expect(
      restored.locator('[data-channel="1"] [data-action="toggle-channel"]')
    ).toBeChecked();
    await drawn(page);
    await page.screenshot({ path: testInfo.outputPath('view-restored.png') });
  });

  test("view() of a data link's URL reads the tiles through the link", async ({
    page
  }) => {
    const link = await page.evaluate(async () => {
      const xsrf = document.cookie.match(/_xsrf=([^;]+)/)?.[1] ?? '';
      const response = await fetch('/fileglancer/api/links', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-XSRFToken': xsrf },
        body: JSON.stringify({ root: 'demo', path: 'n5' })
      });
      return (await response.json()) as { id: string; url: string };
    });
    expect(link.url).toMatch(/\/fileglancer\/s\/[A-Za-z0-9_-]+\/$/);
    const tiles: string[] = [];
    page.on('response', response => {
      if (response.url().includes('/tile')) {
        tiles.push(`${response.status()} ${response.url()}`);
      }
    });
    try {
      await runView(page, `${link.url}nuclei.n5`);
      await drawn(page);
      // The tiles came from the link's public route, not the authenticated one.
      expect(tiles.length).toBeGreaterThan(0);
      for (const tile of tiles) {
        expect(tile).toMatch(
          /^(200|304) .*\/fileglancer\/view\/[A-Za-z0-9_-]+\/tile\/nuclei\.n5\?/
        );
      }
      await expect(
        page.locator('.jp-OutputArea-output .jp-Fileglancer-viewerCard')
      ).toContainText('nuclei.n5');
    } finally {
      await page.evaluate(async id => {
        const xsrf = document.cookie.match(/_xsrf=([^;]+)/)?.[1] ?? '';
        await fetch(`/fileglancer/api/links/${id}`, {
          method: 'DELETE',
          headers: { 'X-XSRFToken': xsrf }
        });
      }, link.id);
    }
  });
});
