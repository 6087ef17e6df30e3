import { expect, test } from '@jupyterlab/galata';

const BROWSER_ID = 'fileglancer-browser';
const INSPECTOR_ID = 'fileglancer-inspector';

test.describe('Fileglancer panels', () => {
  test('the browser lists the roots configured on the server', async ({
    page
  }, testInfo) => {
    await page.sidebar.openTab(BROWSER_ID);
    const browser = page.locator(`#${BROWSER_ID}`);
    await expect(browser).toBeVisible();

    const roots = browser.locator('.jp-Fileglancer-root');
    await expect(roots).toHaveCount(3);
    await expect(roots.nth(0)).toContainText('Demo data');
    await expect(roots.nth(1)).toContainText('Scratch');
    const missing = browser.locator('[data-root="missing"]');
    await expect(missing).toContainText('Missing share');
    await expect(missing).toContainText('does not exist');
    await expect(missing).toHaveClass(/jp-mod-unavailable/);

    await page.sidebar.openTab(INSPECTOR_ID);
    const inspector = page.locator(`#${INSPECTOR_ID}`);
    await expect(inspector).toContainText('No dataset selected');

    await page.screenshot({
      path: testInfo.outputPath('fileglancer-panels.png')
    });
  });

  test('selecting a root highlights it', async ({ page }) => {
    await page.sidebar.openTab(BROWSER_ID);
    const scratch = page.locator('[data-root="scratch"]');
    await scratch.click();
    await expect(scratch).toHaveClass(/jp-mod-selected/);
    // An unavailable root is aria-disabled; a forced click must not select it.
    const missing = page.locator('[data-root="missing"]');
    await expect(missing).toHaveAttribute('aria-disabled', 'true');
    await missing.click({ force: true });
    await expect(missing).not.toHaveClass(/jp-mod-selected/);
    await expect(scratch).toHaveClass(/jp-mod-selected/);
  });

  test('the command palette opens both panels', async ({ page }) => {
    await page.keyboard.press('Control+Shift+C');
    await page
      .locator('#modal-command-palette input')
      .fill('Fileglancer Inspector');
    await page.keyboard.press('Enter');
    await expect(page.locator(`#${INSPECTOR_ID}`)).toBeVisible();

    await page.keyboard.press('Control+Shift+C');
    await page
      .locator('#modal-command-palette input')
      .fill('Open the Fileglancer Browser');
    await page.keyboard.press('Enter');
    await expect(page.locator(`#${BROWSER_ID}`)).toBeVisible();
  });

  test('the open panels are restored after a reload', async ({ page }) => {
    // The layout restorer saves the workspace shortly after a change: wait for that save.
    const saved = page.waitForRequest(
      request =>
        request.url().includes('/api/workspaces') && request.method() === 'PUT'
    );
    await page.sidebar.openTab(BROWSER_ID);
    await page.sidebar.openTab(INSPECTOR_ID);
    await expect(page.locator(`#${BROWSER_ID}`)).toBeVisible();
    await expect(page.locator(`#${INSPECTOR_ID}`)).toBeVisible();
    await saved;

    await page.reload({ waitForIsReady: false });
    await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
    await expect(page.locator(`#${BROWSER_ID}`)).toBeVisible();
    await expect(page.locator(`#${INSPECTOR_ID}`)).toBeVisible();
    await expect(page.locator('[data-root="demo"]')).toBeVisible();
  });
});
