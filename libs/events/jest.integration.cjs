/** Integration tests (test/, *.integration-spec.ts) against real etcd and MongoDB wire protocol. */
module.exports = {
  displayName: 'events:integration',
  preset: '../../jest.integration.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration-spec.ts'],
  globals: { lcmServers: ['etcd', 'mongo'] },
};
