/**
 * The Fileglancer browser as a user meets it: the demo data, folders, sorting, filtering,
 * dataset badges, the inspector, the keyboard, the context menus, a 100,000-entry folder.
 *
 * The server (ui-tests/jupyter_server_test_config.py) has the roots "demo" (the demo data,
 * a folder "big" of 100,000 empty files and a hidden file), "scratch" (empty) and
 * "missing" (unavailable); its root_dir holds a file outside every root.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

import {
  badge,
  browser,
  crumbs,
  goTo,
  grid,
  inspector,
  INSPECTOR_ID,
  openRoot,
  row,
  rows
} from './helpers';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

/** The text of the toast notifications on screen. */
function toasts(page: IJupyterLabPageFixture): Locator {
  return page.locator('.Toastify__toast');
}

test.describe('Fileglancer browser', () => {
  test('browses the demo data: roots, folders, breadcrumbs and dataset badges', async ({
    page
  }, testInfo) => {
    await openRoot(page, 'demo');
    for (const folder of [
      'ome-zarr-0.4',
      'ome-zarr-0.5',
      'zarr-v2',
      'zarr-v3',
      'tiff',
      'many-files',
      'big'
    ]) {
      await expect(row(page, folder)).toBeVisible();
      await expect(row(page, folder)).toHaveAttribute('data-kind', 'directory');
    }
    // Hidden entries stay hidden until asked for.
    await expect(row(page, '.hidden-notes.txt')).toHaveCount(0);

    // A double-click enters a plain folder.
    await row(page, 'ome-zarr-0.4').dblclick();
    await expect(crumbs(page)).toHaveText(['Demo data', 'ome-zarr-0.4']);
    const image = row(page, 'ome-zarr-0.4/cells.ome.zarr');
    await expect(image).toHaveAttribute('data-kind', 'ome-zarr');
    await expect(badge(image)).toHaveText('OME-Zarr 0.4');
    await expect(image.locator('.jp-Fileglancer-kindIcon svg')).toBeVisible();

    // The root crumb goes back; the OME-Zarr 0.5 copy is Zarr v3 underneath.
    await crumbs(page).first().click();
    await expect(crumbs(page)).toHaveText(['Demo data']);
    await row(page, 'ome-zarr-0.5').dblclick();
    await expect(badge(row(page, 'ome-zarr-0.5/cells.ome.zarr'))).toHaveText(
      'OME-Zarr 0.5'
    );

    await goTo(page, 'zarr-v3');
    await expect(badge(row(page, 'zarr-v3/sharded.zarr'))).toHaveText(
      'Zarr v3'
    );
    await goTo(page, '/zarr-v2/');
    await expect(badge(row(page, 'zarr-v2/volume.zarr'))).toHaveText('Zarr v2');

    await goTo(page, 'tiff');
    await expect(row(page, 'tiff/cells.ome.tif')).toBeVisible();
    await expect(row(page, 'tiff/stack.tif')).toBeVisible();

    await page.screenshot({ path: testInfo.outputPath('browse-tiff.png') });
  });

  test('the path box reports a path that does not exist; Escape cancels', async ({
    page
  }) => {
    await openRoot(page, 'demo');
    await browser(page).locator('[data-action="edit-path"]').click();
    const input = browser(page).locator('.jp-Fileglancer-pathInput');
    await input.fill('no/such/folder');
    await input.press('Enter');
    await expect(
      browser(page).locator('.jp-Fileglancer-pathError')
    ).toContainText('does not exist');
    await input.press('Escape');
    await expect(input).toHaveCount(0);
    await expect(crumbs(page)).toHaveText(['Demo data']);
  });

  test('an empty root says so', async ({ page }) => {
    await openRoot(page, 'scratch');
    await expect(browser(page)).toContainText('This folder is empty.');
  });

  test('sorts by a column and filters on the server', async ({ page }) => {
    await openRoot(page, 'demo');
    await goTo(page, 'many-files');
    await expect(row(page, 'many-files/item-00001.txt')).toBeVisible();
    await expect(browser(page).locator('.jp-Fileglancer-count')).toHaveText(
      /^20\d items$/
    );

    const nameHeader = browser(page).locator(
      '[role="columnheader"][data-sort-key="name"]'
    );
    await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending');
    await nameHeader.locator('button').click();
    await expect(nameHeader).toHaveAttribute('aria-sort', 'descending');
    // Descending by name: item-00200 comes before item-00001 (which is far below now).
    await expect(row(page, 'many-files/item-00200.txt')).toBeVisible();
    await expect(row(page, 'many-files/item-00001.txt')).toHaveCount(0);
    const names = await rows(page).evaluateAll(elements =>
      elements.map(element => element.getAttribute('data-name') ?? '')
    );
    const items = names.filter(name => name.startsWith('item-'));
    expect(items.slice(0, 3)).toEqual([
      'item-00200.txt',
      'item-00199.txt',
      'item-00198.txt'
    ]);

    const sizeHeader = browser(page).locator(
      '[role="columnheader"][data-sort-key="size"]'
    );
    await sizeHeader.locator('button').click();
    await expect(sizeHeader).toHaveAttribute(
      'aria-sort',
      /ascending|descending/
    );
    await expect(nameHeader).toHaveAttribute('aria-sort', 'none');

    const filter = browser(page).locator('.jp-Fileglancer-filterInput');
    await filter.fill('item-0019');
    await expect(rows(page)).toHaveCount(10);
    await expect(browser(page).locator('.jp-Fileglancer-count')).toHaveText(
      '10 items matching the filter'
    );
    await filter.fill('nothing-is-called-this');
    await expect(browser(page)).toContainText('No entries match the filter.');
    await filter.fill('');
    await expect(browser(page).locator('.jp-Fileglancer-count')).toHaveText(
      /^20\d items$/
    );
  });

  test('selecting a dataset shows it in the inspector', async ({ page }) => {
    await openRoot(page, 'demo');
    await goTo(page, 'ome-zarr-0.5');
    await page.sidebar.openTab(INSPECTOR_ID);
    await expect(inspector(page)).toContainText('No dataset selected');

    await row(page, 'ome-zarr-0.5/cells.ome.zarr').click();
    await expect(row(page, 'ome-zarr-0.5/cells.ome.zarr')).toHaveAttribute(
      'aria-selected',
      'true'
    );
    const body = inspector(page).locator('.jp-Fileglancer-inspectorBody');
    await expect(body).toHaveAttribute('data-status', 'ready');
    await expect(
      inspector(page).locator('.jp-Fileglancer-summaryName')
    ).toHaveText('cells.ome.zarr');
    await expect(inspector(page).locator('.jp-Fileglancer-badge')).toHaveText(
      'OME-Zarr 0.5'
    );
    await expect(inspector(page).locator('[data-field="root"]')).toHaveText(
      'Demo data'
    );
    await expect(inspector(page).locator('[data-field="path"]')).toContainText(
      '/demo/ome-zarr-0.5/cells.ome.zarr'
    );

    // Double-clicking a dataset inspects it instead of entering it.
    await goTo(page, 'zarr-v2');
    await row(page, 'zarr-v2/volume.zarr').dblclick();
    await expect(
      inspector(page).locator('.jp-Fileglancer-summaryName')
    ).toHaveText('volume.zarr');
    await expect(crumbs(page)).toHaveText(['Demo data', 'zarr-v2']);
  });

  test('a TIFF is confirmed by the inspector', async ({ page }) => {
    await openRoot(page, 'demo');
    await goTo(page, 'tiff');
    await row(page, 'tiff/cells.ome.tif').dblclick();
    await expect(inspector(page)).toBeVisible();
    await expect(
      inspector(page).locator('.jp-Fileglancer-inspectorBody')
    ).toHaveAttribute('data-status', 'ready');
    await expect(inspector(page).locator('.jp-Fileglancer-badge')).toHaveText(
      'OME-TIFF'
    );
    await row(page, 'tiff/stack.tif').click();
    await expect(inspector(page).locator('.jp-Fileglancer-badge')).toHaveText(
      'TIFF'
    );
  });

  test('moves through the listing with the keyboard', async ({ page }) => {
    await openRoot(page, 'demo');
    await expect(row(page, 'big')).toBeVisible();
    await grid(page).focus();

    await page.keyboard.press('Home');
    const first = rows(page).first();
    await expect(first).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('ArrowDown');
    await expect(rows(page).nth(1)).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('End');
    await expect(rows(page).last()).toHaveAttribute('aria-selected', 'true');

    // Select "many-files" by clicking, then Enter steps into it.
    await row(page, 'many-files').click();
    await page.keyboard.press('Enter');
    await expect(crumbs(page)).toHaveText(['Demo data', 'many-files']);
    await expect(row(page, 'many-files/item-00001.txt')).toBeVisible();
    await page.keyboard.press('PageDown');
    await expect(
      browser(page).locator('.jp-Fileglancer-row[aria-selected="true"]')
    ).toHaveCount(1);

    // Backspace goes back up, with the folder we came from selected.
    await page.keyboard.press('Backspace');
    await expect(crumbs(page)).toHaveText(['Demo data']);
    await expect(row(page, 'many-files')).toHaveAttribute(
      'aria-selected',
      'true'
    );

    // Alt+Up works too.
    await row(page, 'tiff').dblclick();
    await expect(crumbs(page)).toHaveText(['Demo data', 'tiff']);
    await grid(page).focus();
    await page.keyboard.press('Alt+ArrowUp');
    await expect(crumbs(page)).toHaveText(['Demo data']);

    // Enter on a dataset opens the inspector.
    await row(page, 'ome-zarr-0.4').dblclick();
    await row(page, 'ome-zarr-0.4/cells.ome.zarr').click();
    await page.keyboard.press('Enter');
    await expect(inspector(page)).toBeVisible();
    await expect(
      inspector(page).locator('.jp-Fileglancer-summaryName')
    ).toHaveText('cells.ome.zarr');
  });

  test('the context menu copies the Linux path and opens a dataset as a folder', async ({
    page
  }) => {
    await openRoot(page, 'demo');
    await goTo(page, 'zarr-v3');
    const dataset = row(page, 'zarr-v3/sharded.zarr');
    await dataset.click({ button: 'right' });
    const menu = page.locator('.lm-Menu');
    await expect(menu.getByText('Copy Path (Linux)')).toBeVisible();
    // The demo root has no macOS or Windows alias configured: those items are hidden.
    await expect(
      menu.locator('.lm-Menu-item', { hasText: 'Copy Path (macOS)' })
    ).toBeHidden();
    await expect(
      menu.locator('.lm-Menu-item', { hasText: 'Copy Path (Windows)' })
    ).toBeHidden();
    await menu.getByText('Copy Path (Linux)').click();

    await expect(toasts(page).last()).toContainText(
      /Copied the Linux path: \/.*\/demo\/zarr-v3\/sharded\.zarr/
    );
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(/^\/.*\/demo\/zarr-v3\/sharded\.zarr$/);

    await dataset.click({ button: 'right' });
    await page.locator('.lm-Menu').getByText('Open as Folder').click();
    await expect(crumbs(page)).toHaveText([
      'Demo data',
      'zarr-v3',
      'sharded.zarr'
    ]);
    await expect(row(page, 'zarr-v3/sharded.zarr/zarr.json')).toBeVisible();
  });

  test('the hidden-files toggle shows hidden entries and saves the setting', async ({
    page
  }) => {
    await openRoot(page, 'demo');
    await expect(row(page, 'many-files')).toBeVisible();
    await expect(row(page, '.hidden-notes.txt')).toHaveCount(0);
    const saved = page.waitForRequest(
      request =>
        request.method() === 'PUT' &&
        request.url().includes('/api/settings/fileglancer-ext')
    );
    const toggle = browser(page).locator('[data-action="toggle-hidden"]');
    await toggle.click();
    expect((await saved).postData()).toContain('showHidden');
    await expect(row(page, '.hidden-notes.txt')).toBeVisible();
    await expect(toggle).toHaveAttribute('aria-pressed', 'true');
    await toggle.click();
    await expect(row(page, '.hidden-notes.txt')).toHaveCount(0);
  });

  test('scrolls a 100,000-entry folder to its end with only the visible rows in the page', async ({
    page
  }, testInfo) => {
    test.setTimeout(180 * 1000);
    await openRoot(page, 'demo');
    await goTo(page, 'big');
    await expect(row(page, 'big/item-000001.txt')).toBeVisible();
    await expect(browser(page).locator('.jp-Fileglancer-count')).toHaveText(
      '100,000 items'
    );

    // Drag the scrollbar to the very end, as a user would.
    const scroller = browser(page).locator('.jp-Fileglancer-rows');
    await scroller.evaluate(element => {
      element.scrollTop = element.scrollHeight;
    });
    const last = row(page, 'big/item-100000.txt');
    await expect(last).toBeVisible({ timeout: 120 * 1000 });
    await expect(last).toBeInViewport();

    const rendered = await browser(page).locator('.jp-Fileglancer-row').count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(200);
    await expect(browser(page).locator('.jp-Fileglancer-loaded')).toHaveCount(
      0
    );

    // Back to the top with Home: the first row is still there.
    await grid(page).focus();
    await page.keyboard.press('Home');
    await expect(row(page, 'big/item-000001.txt')).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath('big-folder.png') });
  });
});

test.describe("JupyterLab's file browser", () => {
  test('inspects a folder with Fileglancer from its context menu', async ({
    page
  }) => {
    await page.sidebar.openTab('filebrowser');
    await page.filebrowser.openHomeDirectory();
    const item = page.locator('.jp-DirListing-item', { hasText: 'demo' });
    await item.first().click({ button: 'right' });
    await page
      .locator('.lm-Menu')
      .getByText('Inspect with Fileglancer')
      .click();
    await expect(browser(page)).toBeVisible();
    await expect(browser(page).locator('[data-root="demo"]')).toHaveClass(
      /jp-mod-selected/
    );
    await expect(crumbs(page)).toHaveText(['Demo data']);
    await expect(inspector(page)).toBeVisible();
  });

  test('copies the Linux path of an item inside a root', async ({ page }) => {
    await page.sidebar.openTab('filebrowser');
    await page.filebrowser.openHomeDirectory();
    await page.filebrowser.openDirectory('demo');
    const item = page.locator('.jp-DirListing-item', { hasText: 'tiff' });
    await item.first().click({ button: 'right' });
    await page.locator('.lm-Menu').getByText('Copy Path (Linux)').click();
    await expect(toasts(page).last()).toContainText(
      /Copied the Linux path: \/.*\/demo\/tiff/
    );
  });

  test('explains that an item outside every root cannot be shown', async ({
    page
  }) => {
    await page.sidebar.openTab('filebrowser');
    await page.filebrowser.openHomeDirectory();
    const item = page.locator('.jp-DirListing-item', {
      hasText: 'outside-the-roots.txt'
    });
    await item.click({ button: 'right' });
    await page
      .locator('.lm-Menu')
      .getByText('Inspect with Fileglancer')
      .click();
    // Outside the roots, and which roots there are.
    await expect(toasts(page).last()).toContainText(
      "is outside the shared folders. The shared folders are 'demo', 'scratch'"
    );
  });
});
