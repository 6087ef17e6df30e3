/**
 * Daily work: paste a full path into the path box, star a dataset and find it again after
 * a reload, read a TIFF in the inspector, show a dataset in a notebook with
 * `fileglancer_ext.show`, and drag a dataset into a notebook cell.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  browser,
  crumbs,
  goTo,
  inspector,
  INSPECTOR_ID,
  openRoot,
  row
} from './helpers';

/** The demo root's folder on the server, as the roots list shows it. */
async function demoPath(page: IJupyterLabPageFixture): Promise<string> {
  const title = await browser(page)
    .locator('[data-root="demo"]')
    .getAttribute('title');
  expect(title).toBeTruthy();
  return title!;
}

test.describe('Daily work with Fileglancer', () => {
  test('the path box takes a full Linux path and explains a drive letter', async ({
    page
  }) => {
    await openRoot(page, 'scratch');
    const demo = await demoPath(page);
    await goTo(page, `${demo}/ome-zarr-0.4`);
    await expect(crumbs(page)).toHaveText(['Demo data', 'ome-zarr-0.4']);

    await browser(page).locator('[data-action="edit-path"]').click();
    const input = browser(page).locator('.jp-Fileglancer-pathInput');
    await input.fill('C:\\Users\\ada\\cells.tif');
    await input.press('Enter');
    await expect(browser(page).locator('[role="alert"]')).toContainText(
      'drive letter'
    );
    await input.press('Escape');
  });

  test('a starred dataset stays in the favourites after a reload', async ({
    page
  }) => {
    await openRoot(page, 'demo');
    await goTo(page, 'zarr-v3');
    await row(page, 'zarr-v3/sharded.zarr').click({ button: 'right' });
    // JupyterLab writes its state to the workspace a moment after a change.
    const saved = page.waitForRequest(
      request =>
        request.method() === 'PUT' && request.url().includes('/api/workspaces')
    );
    await page.locator('.lm-Menu').getByText('Add to Favourites').click();
    const favourite = browser(page).locator(
      '[data-places="favourites"] [data-place="demo:zarr-v3/sharded.zarr"]'
    );
    await expect(favourite).toBeVisible();
    await saved;

    await page.reload();
    await page.sidebar.openTab('fileglancer-browser');
    await expect(favourite).toBeVisible();
    await favourite.click();
    await expect(
      inspector(page).locator('.jp-Fileglancer-summaryName')
    ).toHaveText('sharded.zarr');
  });

  test('a TIFF shows its pyramid, channels and a preview', async ({
    page
  }, testInfo) => {
    await openRoot(page, 'demo');
    await goTo(page, 'tiff');
    await page.sidebar.openTab(INSPECTOR_ID);
    await row(page, 'tiff/cells.ome.tif').click();
    const panel = inspector(page);
    await expect(panel.locator('.jp-Fileglancer-thumbnail')).toHaveAttribute(
      'data-state',
      'loaded'
    );
    await expect(panel.locator('[data-field="shape"]')).toHaveText(
      'c 3 × z 16 × y 256 × x 256'
    );
    await panel.locator('[data-tab="metadata"]').click();
    await expect(
      panel.locator('[data-table="tiff-levels"] tbody tr')
    ).toHaveCount(3);
    await expect(panel.locator('[data-table="tiff-channels"]')).toContainText(
      'GFP'
    );
    await page.screenshot({ path: testInfo.outputPath('inspector-tiff.png') });
  });

  test('show() draws a dataset in a notebook, and a dragged dataset becomes code', async ({
    page
  }, testInfo) => {
    await openRoot(page, 'demo');
    const image = `${await demoPath(page)}/ome-zarr-0.4/cells.ome.zarr`;
    await page.notebook.createNew();
    await page.notebook.setCell(
      0,
      'code',
      `import fileglancer_ext\nfileglancer_ext.show(${JSON.stringify(image)})`
    );
    await page.notebook.runCell(0);
    const output = page.locator('.jp-OutputArea-output .jp-Fileglancer-output');
    await expect(output).toBeVisible({ timeout: 60_000 });
    await expect(output.locator('.jp-Fileglancer-summaryName')).toHaveText(
      'cells.ome.zarr'
    );
    await expect(output.locator('.jp-Fileglancer-validationBadge')).toHaveText(
      'Valid OME-NGFF 0.4'
    );
    await expect(
      output.locator('[data-table="channels"] tbody tr')
    ).toHaveCount(3);
    await expect(output.locator('img')).toHaveJSProperty('complete', true);
    await page.screenshot({ path: testInfo.outputPath('notebook-show.png') });

    // Drag the dataset from the browser into a new cell: its open() code lands there.
    await page.notebook.addCell('code', '');
    await goTo(page, 'ome-zarr-0.4');
    const editor = page.locator('.jp-Cell').last().locator('.cm-content');
    await row(page, 'ome-zarr-0.4/cells.ome.zarr').dragTo(editor);
    await expect(editor).toContainText(`fileglancer_ext.open("${image}")`);
  });
});
