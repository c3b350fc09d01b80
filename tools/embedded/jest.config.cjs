/**
 * The embedded launcher's crash tests: the all-in-one process (node tools/embedded/main.ts) on free
 * ports and a temporary data directory, killed with SIGKILL and restarted. One at a time.
 */
module.exports = {
  displayName: 'embedded',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  testTimeout: 240_000,
  maxWorkers: 1,
};
