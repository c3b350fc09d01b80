/** The emulator checked by Cisco's official client (virl2-client, from .tools/venv). */
module.exports = {
  displayName: 'cml-emulator:integration',
  preset: '../../jest.integration.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration-spec.ts'],
  // The test starts its own emulator in process; no shared server is needed.
  globals: { lcmServers: [] },
};
