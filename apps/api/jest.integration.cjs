/** Integration tests (test/, *.integration-spec.ts): the api against real etcd and FerretDB / MongoDB. */
module.exports = {
  displayName: 'api:integration',
  preset: '../../jest.integration.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration-spec.ts'],
  globals: { lcmServers: ['etcd', 'mongo'] },
};
