/**
 * Galata/Playwright configuration: Debian's Chromium (Playwright's own browser download
 * does not work on our machines), a real `jupyter lab` started by `jlpm start`.
 */
const { execFileSync } = require('child_process');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

/**
 * The test server's port: FILEGLANCER_UI_TEST_PORT, else a free one, so a demo or another
 * JupyterLab on 8888 does not break the run. It goes into the environment once, here in
 * the runner: the workers (which load this file again) and `jlpm start` inherit it.
 */
function freePort() {
  const script =
    "const s = require('net').createServer();" +
    "s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });";
  return execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8'
  }).trim();
}
if (!process.env.FILEGLANCER_UI_TEST_PORT) {
  process.env.FILEGLANCER_UI_TEST_PORT = freePort();
}
const port = process.env.FILEGLANCER_UI_TEST_PORT;
const baseURL = `http://localhost:${port}`;

module.exports = {
  ...baseConfig,
  timeout: 60 * 1000,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    baseURL,
    video: 'off',
    // Galata's user mock answers every URL matching /api\/me/, which includes our
    // /fileglancer/api/meta/...: let the real server answer identity requests instead.
    mockUser: false,
    launchOptions: {
      executablePath: process.env.FILEGLANCER_CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic'
      ]
    }
  },
  webServer: {
    command: 'jlpm start',
    url: `${baseURL}/lab`,
    env: { FILEGLANCER_UI_TEST_PORT: port },
    timeout: 180 * 1000,
    // SIGTERM, not Playwright's default SIGKILL: the server's atexit then removes its
    // folder in the temporary folder (100,000 files) before the run ends.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 60 * 1000 },
    // Only a server started on purpose at FILEGLANCER_UI_TEST_PORT is reused.
    reuseExistingServer: !process.env.CI
  }
};
