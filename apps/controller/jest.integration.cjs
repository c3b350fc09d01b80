/** Integration tests (test/, *.integration-spec.ts): the built controller processes on real etcd and MongoDB wire protocol, against tools/sim-cloud. */
module.exports = {
  displayName: 'controller:integration',
  preset: '../../jest.integration.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration-spec.ts'],
  globals: { lcmServers: ['etcd', 'mongo'] },
};
