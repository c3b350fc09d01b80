import baseConfig, { boundaries } from '../../eslint.config.mjs';

// The launcher alone may import the apps' modules (api.module, config, ...) from their sources: it
// starts the four apps in one process. No other project may (apps are deployed alone).
const appSources = [
  '^(\\.\\./)+apps/(api|scheduler|controller|audit-sink)/src/',
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
