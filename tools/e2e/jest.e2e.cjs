/** End to end: the four apps as separate processes on real etcd and MongoDB wire protocol. */
module.exports = {
  displayName: 'e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  testTimeout: 600_000,
  maxWorkers: 1,
};
