/** End to end: the built lcmctl bundle against the embedded LCM (tools/embedded) on free ports. */
module.exports = {
  displayName: 'cli-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 240_000,
  maxWorkers: 1,
};
