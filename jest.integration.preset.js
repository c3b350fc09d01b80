// Shared settings for `*.integration-spec.ts` suites: real servers from libs/testing's global setup.
const base = require('./jest.preset.js');
const { join } = require('node:path');

module.exports = {
  ...base,
  globalSetup: join(
    __dirname,
    'libs/testing/src/jest/integration-global-setup.ts',
  ),
  globalTeardown: join(
    __dirname,
    'libs/testing/src/jest/integration-global-teardown.ts',
  ),
  testTimeout: 60_000,
  // An integration target exists because the project has suites: finding none is an error.
  passWithNoTests: false,
  // Suites share one server per run; they isolate themselves by key prefix / database name.
  maxWorkers: 2,
};
