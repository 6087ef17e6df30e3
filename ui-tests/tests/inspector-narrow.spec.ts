/**
 * The inspector at JupyterLab's default sidebar width (250 px), in the light and dark
 * themes: the six tabs take one row, nothing sticks out sideways on any tab, names are
 * cut with an ellipsis and a tooltip. Also what a scientist does next from the Overview:
 * a larger preview that says which level and plane it shows, a snippet inserted into
 * the open notebook, and a data link revoked only after confirming.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { goTo, inspector, INSPECTOR_ID, openRoot, row } from './helpers';

const WIDTH = 250;
const TABS = ['overview', 'metadata', 'validation', 'share', 'convert', 'raw'];

/** Drag the handle between the main area and the right sidebar until it is `width` wide. */
async function setInspectorWidth(
  page: IJupyterLabPageFixture,
  width: number
): Promise<void> {
  const panel = inspector(page);
  for (let attempt = 0; attempt < 3; attempt++) {
    const box = (await panel.boundingBox())!;
    if (Math.abs(box.width - width) <= 2) {
      return;
    }
    const handle = page
      .locator(
        '#jp-main-split-panel > .lm-SplitPanel-handle:not(.lm-mod-hidden)'
      )
      .last();
    const grip = (await handle.boundingBox())!;
    const y = grip.y + grip.height / 2;
    await page.mouse.move(grip.x + grip.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(grip.x + grip.width / 2 + (box.width - width), y, {
      steps: 4
    });
    await page.mouse.up();
  }
  const final = (await panel.boundingBox())!;
  expect(Math.abs(final.width - width)).toBeLessThanOrEqual(2);
}

async function selectDemoImage(page: IJupyterLabPageFixture): Promise<void> {
  await openRoot(page, 'demo');
  await goTo(page, 'ome-zarr-0.4');
  await page.sidebar.openTab(INSPECTOR_ID);
  await row(page, 'ome-zarr-0.4/cells.ome.zarr').click();
  await expect(inspector(page).locator('[role="tablist"]')).toBeVisible();
}

/** Every tab of the inspector reads at `WIDTH`: one row of tabs, no sideways overflow. */
async function expectReadableTabs(page: IJupyterLabPageFixture): Promise<void> {
  const panel = inspector(page);
  const tops = await panel
    .locator('[role="tab"]')
    .evaluateAll(tabs => tabs.map(tab => tab.getBoundingClientRect().top));
  expect(tops).toHaveLength(TABS.length);
  expect(new Set(tops).size).toBe(1);
  for (const tab of TABS) {
    await panel.locator(`[data-tab="${tab}"]`).click();
    await expect(panel.locator(`[data-tab="${tab}"]`)).toHaveAttribute(
      'aria-selected',
      'true'
    );
    // The content settles (storage, viewers) before it is measured.
    await page.waitForTimeout(300);
    const overflow = await panel
      .locator('.jp-Fileglancer-inspectorBody')
      .evaluate(body => body.scrollWidth - body.clientWidth);
    expect(
      overflow,
      `the ${tab} tab overflows by ${overflow} px`
    ).toBeLessThanOrEqual(0);
  }
  await panel.locator('[data-tab="overview"]').click();
  const name = panel.locator('.jp-Fileglancer-summaryName');
  await expect(name).toHaveAttribute('title', 'cells.ome.zarr');
  expect(await name.evaluate(el => getComputedStyle(el).textOverflow)).toBe(
    'ellipsis'
  );
}

test.describe('Fileglancer inspector at 250 px', () => {
  test('reads in the light and the dark theme', async ({ page }, testInfo) => {
    await selectDemoImage(page);
    await setInspectorWidth(page, WIDTH);
    await expectReadableTabs(page);
    await page.screenshot({
      path: testInfo.outputPath('inspector-250-light.png')
    });
    await page.theme.setDarkTheme();
    await expectReadableTabs(page);
    await page.screenshot({
      path: testInfo.outputPath('inspector-250-dark.png')
    });
    await page.theme.setLightTheme();
  });

  test('shows pixel sizes and channels, and a larger preview of a given level and plane', async ({
    page
  }) => {
    await selectDemoImage(page);
    const panel = inspector(page);
    await expect(panel.locator('[data-field="pixel_size"]')).toHaveText(
      '2 × 0.5 × 0.5 µm'
    );
    await expect(panel.locator('[data-field="channels"] li')).toHaveText([
      'DAPI',
      'GFP',
      'mCherry'
    ]);
    await expect(panel.locator('.jp-Fileglancer-thumbnail')).toHaveAttribute(
      'data-state',
      'loaded'
    );
    await panel.locator('[data-action="large-preview"]').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('[data-field="preview-shown"]')).toHaveText(
      "Shows level 's2', maximum projection over 16 z planes."
    );
    const width = await dialog
      .locator('.jp-Fileglancer-largePreview img')
      .evaluate(img => (img as HTMLImageElement).naturalWidth);
    expect(width).toBeGreaterThan(256);
    await dialog.locator('button.jp-mod-accept').click();
    await expect(dialog).toHaveCount(0);
  });

  test('inserts a snippet into the open notebook and asks before revoking a link', async ({
    page
  }) => {
    await page.notebook.createNew('snippet.ipynb');
    await selectDemoImage(page);
    const panel = inspector(page);
    await panel.locator('[data-tab="share"]').click();
    await panel
      .locator(
        '[data-snippet="fileglancer_ext.open"] [data-action="insert-snippet"]'
      )
      .first()
      .click();
    await expect(
      page.locator('.jp-NotebookPanel .jp-Cell.jp-mod-active .cm-content')
    ).toContainText('fileglancer_ext.open(');

    // Share, then untick: nothing is revoked until the dialog is answered.
    const toggle = panel.locator('[data-tab-panel="share"] [role="switch"]');
    await toggle.click();
    await expect(toggle).toBeChecked();
    await toggle.click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Revoke the data link?');
    await dialog.locator('button.jp-mod-reject').click();
    await expect(toggle).toBeChecked();
    await toggle.click();
    await page.locator('.jp-Dialog button.jp-mod-accept').click();
    await expect(toggle).not.toBeChecked();
  });
});
