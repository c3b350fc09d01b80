/** Integration tests (test/, *.integration-spec.ts): built scheduler processes on real etcd and MongoDB wire protocol. */
module.exports = {
  displayName: 'scheduler:integration',
  preset: '../../jest.integration.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration-spec.ts'],
  globals: { lcmServers: ['etcd', 'mongo'] },
};
