// Shared jest settings for every project. swc transpiles (with decorator metadata for NestJS);
// type checking is done once for the whole workspace by `npm run typecheck`, not per test file.
const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  // ESM-only dependencies are compiled to CommonJS for jest like our own code.
  transformIgnorePatterns: ['/node_modules/(?!(jose|cockatiel)/)'],
  // A library may exist before it has code; one with code has tests (reviewed, not enforced here).
  passWithNoTests: true,
  reporters: [
    'default',
    require('node:path').join(__dirname, 'tools/test/results-reporter.cjs'),
  ],
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
};
