import baseConfig, { boundaries } from '../../eslint.config.mjs';

// The benchmarks measure the apps in-process, beside the servers of the test harness. They import an
// app only through its public entry point (apps/<app>/src/index.ts) and an app's or a library's test
// fixtures only through their index (<project>/test/index.ts): never a file inside a project.
const publicEntries = [
  '^(\\.\\./)+apps/(api|scheduler|controller|audit-sink)/(src|test)$',
  '^(\\.\\./)+libs/[a-z-]+/test$',
];

export default [
  ...baseConfig,
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        boundaries({ testCode: true, allow: publicEntries }),
      ],
    },
  },
];
