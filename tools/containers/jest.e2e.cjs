/** The container test: images built from docker/Dockerfile, the compose stack up, one lablet's life. */
module.exports = {
  displayName: 'containers',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  testTimeout: 600_000,
  maxWorkers: 1,
};
