import baseConfig, { boundaries } from '../../eslint.config.mjs';

// The launcher starts the four apps in one process: it imports each app only through its public
// entry point (apps/<app>/src/index.ts), never a file inside it.
const appSources = [
  '^(\\.\\./)+apps/(api|scheduler|controller|audit-sink)/src$',
];

export default [
  ...baseConfig,
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        boundaries({ testCode: false, allow: appSources }),
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        boundaries({ testCode: true, allow: appSources }),
      ],
    },
  },
];
