/** Unit tests: `*.spec.ts` beside the code, no servers. */
module.exports = {
  displayName: 'api-types',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/api-types',
};
