/** Checks of the deployment files: Kubernetes manifests against the API schemas, compose, Dockerfile. */
module.exports = {
  displayName: 'deploy',
  preset: '../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
};
