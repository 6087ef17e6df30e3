/**
 * The browser and the inspector at the default sidebar width (250 px), in the light and
 * the dark theme: screenshots to look at, and the contrast of the selected row and root
 * measured from the colours Chromium computed (WCAG 2 ratio, at least 4.5:1).
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

import {
  browser,
  goTo,
  grid,
  inspector,
  INSPECTOR_ID,
  openRoot,
  row
} from './helpers';

const SIDEBAR_WIDTH = 250;
const DATASET = 'ome-zarr-0.4/cells.ome.zarr';

/**
 * The contrast ratio of an element's text on its background, both as computed (the text
 * colour's alpha blended over the background, as it is drawn).
 */
async function contrastOf(element: Locator): Promise<number> {
  return element.evaluate(node => {
    const parse = (text: string): number[] => {
      const parts = text.match(/[\d.]+/g)?.map(Number) ?? [];
      return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
    };
    // The first opaque background at or above the element.
    let background = [255, 255, 255, 1];
    for (let at: Element | null = node; at; at = at.parentElement) {
      const colour = parse(getComputedStyle(at).backgroundColor);
      if (colour[3] > 0) {
        background = colour;
        break;
      }
    }
    const [r, g, b, a] = parse(getComputedStyle(node).color);
    const text = [r, g, b].map((c, i) => c * a + background[i] * (1 - a));
    const luminance = (rgb: number[]) => {
      const [lr, lg, lb] = rgb.map(c => {
        const s = c / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
    };
    const [light, dark] = [luminance(text), luminance(background)].sort(
      (x, y) => y - x
    );
    return (light + 0.05) / (dark + 0.05);
  });
}

/** Select the demo OME-Zarr, so the browser shows a selected row and root. */
async function selectDataset(page: IJupyterLabPageFixture): Promise<void> {
  await row(page, DATASET).click();
  await expect(row(page, DATASET)).toHaveAttribute('aria-selected', 'true');
  await expect(
    inspector(page).locator('[role="tab"][data-tab="overview"]')
  ).toHaveAttribute('aria-selected', 'true');
}

async function checkAndCapture(
  page: IJupyterLabPageFixture,
  theme: string,
  outputPath: (name: string) => string
): Promise<void> {
  const selectedRow = row(page, DATASET);
  const selectedRoot = browser(page).locator(
    '.jp-Fileglancer-root.jp-mod-selected'
  );
  // The listing has the focus after the click: JupyterLab's selection blue.
  await expect(grid(page)).toBeFocused();
  expect(await contrastOf(selectedRow)).toBeGreaterThanOrEqual(4.5);
  expect(await contrastOf(selectedRoot)).toBeGreaterThanOrEqual(4.5);
  await browser(page).screenshot({ path: outputPath(`browser-${theme}.png`) });
  await inspector(page).screenshot({
    path: outputPath(`inspector-${theme}.png`)
  });

  // Without the focus the selection turns grey, still readable.
  await grid(page).evaluate(element => (element as HTMLElement).blur());
  await expect(grid(page)).not.toBeFocused();
  expect(await contrastOf(selectedRow)).toBeGreaterThanOrEqual(4.5);
  expect(
    await contrastOf(selectedRow.locator('.jp-Fileglancer-mtimeCell'))
  ).toBeGreaterThanOrEqual(4.5);
}

test.describe('Fileglancer in both themes at 250 px sidebars', () => {
  test('the selected row and root keep 4.5:1 contrast; screenshots of both panels', async ({
    page
  }, testInfo) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await openRoot(page, 'demo');
    await goTo(page, 'ome-zarr-0.4');
    await page.sidebar.openTab(INSPECTOR_ID);
    await page.sidebar.setWidth(SIDEBAR_WIDTH, 'left');
    await page.sidebar.setWidth(SIDEBAR_WIDTH, 'right');
    await selectDataset(page);
    await checkAndCapture(page, 'light', name => testInfo.outputPath(name));

    await page.theme.setDarkTheme();
    await selectDataset(page);
    await checkAndCapture(page, 'dark', name => testInfo.outputPath(name));
  });
});
