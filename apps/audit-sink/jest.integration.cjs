/** Integration tests (test/, *.integration-spec.ts): the built audit-sink process on real etcd and MongoDB wire protocol. */
module.exports = {
  displayName: 'audit-sink:integration',
  preset: '../../jest.integration.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration-spec.ts'],
  globals: { lcmServers: ['etcd', 'mongo'] },
};
