/** The console in headless Chromium (playwright-core, the system's chromium) against the embedded LCM. */
module.exports = {
  displayName: 'console-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 240_000,
  maxWorkers: 1,
};
