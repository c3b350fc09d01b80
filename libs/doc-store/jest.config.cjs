/** Unit tests: `*.spec.ts` beside the code, and the memory driver's contract run in test/. No servers. */
module.exports = {
  displayName: 'doc-store',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/doc-store',
};
