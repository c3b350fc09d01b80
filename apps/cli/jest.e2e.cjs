/** End to end: the built lcmctl bundle against the embedded LCM (tools/embedded) on free ports. */
const preset = require('../../jest.preset.js');

module.exports = {
  displayName: 'cli-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  transform: preset.transform,
  testTimeout: 240_000,
  maxWorkers: 1,
};
