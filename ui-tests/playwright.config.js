/**
 * Galata/Playwright configuration: Debian's Chromium (Playwright's own browser download
 * does not work on our machines), a real `jupyter lab` started by `jlpm start`.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  timeout: 60 * 1000,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
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
    url: 'http://localhost:8888/lab',
    timeout: 180 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
