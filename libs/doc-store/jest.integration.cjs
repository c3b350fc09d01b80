/** Integration tests (test/, *.integration-spec.ts) against a real MongoDB wire-protocol server. */
module.exports = {
  displayName: 'doc-store:integration',
  preset: '../../jest.integration.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration-spec.ts'],
  globals: { lcmServers: ['mongo'] },
};
