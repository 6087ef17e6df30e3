/** What the UI tests share: locators of the Fileglancer panels and the steps users take. */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

export const BROWSER_ID = 'fileglancer-browser';
export const INSPECTOR_ID = 'fileglancer-inspector';

export function browser(page: IJupyterLabPageFixture): Locator {
  return page.locator(`#${BROWSER_ID}`);
}

export function inspector(page: IJupyterLabPageFixture): Locator {
  return page.locator(`#${INSPECTOR_ID}`);
}

/** The row of `path` (relative to the root) in the Fileglancer listing. */
export function row(page: IJupyterLabPageFixture, path: string): Locator {
  return browser(page).locator(
    `.jp-Fileglancer-row[data-path="${path.replace(/"/g, '\\"')}"]`
  );
}

export function rows(page: IJupyterLabPageFixture): Locator {
  return browser(page).locator('.jp-Fileglancer-row[data-path]');
}

/** The kind badge a user sees in a row (beside the name, or in the kind column). */
export function badge(rowLocator: Locator): Locator {
  return rowLocator.locator('.jp-Fileglancer-badge:visible');
}

export function grid(page: IJupyterLabPageFixture): Locator {
  return browser(page).locator('[role="grid"]');
}

export function crumbs(page: IJupyterLabPageFixture): Locator {
  return browser(page).locator('.jp-Fileglancer-crumb');
}

/** Open the browser panel and the root `name`, and wait for its first rows. */
export async function openRoot(
  page: IJupyterLabPageFixture,
  name: string
): Promise<void> {
  await page.sidebar.openTab(BROWSER_ID);
  await browser(page).locator(`[data-root="${name}"]`).click();
  await expect(
    browser(page).locator('.jp-Fileglancer-crumb.jp-mod-root')
  ).toBeVisible();
}

/** Type a path into the breadcrumb path box and press Enter. */
export async function goTo(
  page: IJupyterLabPageFixture,
  path: string
): Promise<void> {
  await browser(page).locator('[data-action="edit-path"]').click();
  const input = browser(page).locator('.jp-Fileglancer-pathInput');
  await input.fill(path);
  await input.press('Enter');
  await expect(input).toHaveCount(0);
}

/** Select the demo root's dataset at `path` in the listing and open the inspector on it. */
export async function inspectDemo(
  page: IJupyterLabPageFixture,
  path: string
): Promise<Locator> {
  await openRoot(page, 'demo');
  await goTo(page, path.split('/').slice(0, -1).join('/'));
  await page.sidebar.openTab(INSPECTOR_ID);
  await row(page, path).click();
  return inspector(page);
}

export const VIEWER = '#fileglancer-image-viewer';

/** The image viewer's canvas: the red, green and blue values of every `step`-th pixel
 * (`sums`: only their three totals), empty while nothing is drawn. */
export async function viewerCanvas(
  page: IJupyterLabPageFixture,
  options: { step?: number; sums?: boolean } = {}
): Promise<number[]> {
  const { step = 1, sums = false } = options;
  return page
    .locator(`${VIEWER} .openseadragon-canvas canvas`)
    .first()
    .evaluate(
      (element, { step, sums }) => {
        const canvas = element as HTMLCanvasElement;
        const context = canvas.getContext('2d');
        if (!context || canvas.width === 0) {
          return sums ? [0, 0, 0] : [];
        }
        const data = context.getImageData(
          0,
          0,
          canvas.width,
          canvas.height
        ).data;
        const values: number[] = sums ? [0, 0, 0] : [];
        for (let i = 0; i < data.length; i += 4 * step) {
          for (let c = 0; c < 3; c++) {
            if (sums) {
              values[c] += data[i + c];
            } else {
              values.push(data[i + c]);
            }
          }
        }
        return values;
      },
      { step, sums }
    );
}
