const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

// JupyterLab packages ship ES modules; jest must transform them too.
const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyterlab/',
  '@lumino/',
  '@microsoft',
  'color',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  collectCoverageFrom: ['src/**/*.{ts,tsx}', '!src/**/*.d.ts'],
  coverageReporters: ['lcov', 'text-summary'],
  reporters: ['default'],
  testRegex: 'src/.*/.*.spec.ts[x]?$',
  // The test run's virtualenv and the UI tests hold package.json files of their own.
  modulePathIgnorePatterns: [
    '<rootDir>/.venv/',
    '<rootDir>/ui-tests/',
    '<rootDir>/fileglancer_ext/labextension/'
  ],
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
