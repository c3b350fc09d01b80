/** Unit tests: `*.spec.ts` beside the code, no servers. */
module.exports = {
  displayName: 'cli',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // commander is published as ES modules only: compiled to CommonJS for jest like our code.
  transformIgnorePatterns: ['/node_modules/(?!(jose|commander)/)'],
  coverageDirectory: '../../coverage/apps/cli',
};
