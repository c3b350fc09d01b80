/** Integration tests (test/, *.integration-spec.ts): the real adapters against moto and the CML emulator. */
module.exports = {
  displayName: 'providers:integration',
  preset: '../../jest.integration.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration-spec.ts'],
  globals: { lcmServers: ['moto', 'cml'] },
};
