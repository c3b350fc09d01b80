import nx from '@nx/eslint-plugin';

// Node built-ins that do I/O: pure libraries (domain, scheduling) may not touch them.
const ioBuiltins = [
  'fs',
  'net',
  'http',
  'https',
  'http2',
  'child_process',
  'dgram',
  'dns',
  'tls',
  'cluster',
  'worker_threads',
];
const ioPackages = [
  'etcd3',
  'mongoose',
  'mongodb',
  'cloudevents',
  '@nestjs/*',
  'express',
  'testcontainers',
  '@testcontainers/*',
];

/** `allow`: further import paths a project's own eslint config exempts (the embedded launcher's app modules). */
export function boundaries({ testCode, allow = [] }) {
  return {
    enforceBuildableLibDependency: true,
    // Build configuration shared by the apps is not code any project imports at run time.
    allow: [
      '^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$',
      '^.*/tools/webpack/app-webpack-config$',
      ...allow,
    ],
    depConstraints: [
      // Apps are deployed alone: an app imports libraries, never another app.
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
      // The pure core (domain, scheduling) imports only other pure code and no I/O package.
      {
        sourceTag: 'scope:pure',
        onlyDependOnLibsWithTags: ['scope:pure'],
        bannedExternalImports: ioPackages,
      },
      // I/O libraries build on the pure core and on each other; only their tests use the harness.
      {
        sourceTag: 'scope:io',
        onlyDependOnLibsWithTags: testCode
          ? ['scope:pure', 'scope:io', 'scope:testing']
          : ['scope:pure', 'scope:io'],
      },
      {
        sourceTag: 'scope:testing',
        onlyDependOnLibsWithTags: ['scope:pure', 'scope:io', 'scope:testing'],
      },
      // Apps run in production: their code uses the pure core and the I/O libraries; only their tests use the harness.
      {
        sourceTag: 'scope:app',
        onlyDependOnLibsWithTags: testCode
          ? ['scope:pure', 'scope:io', 'scope:testing']
          : ['scope:pure', 'scope:io'],
      },
      // End-to-end tests drive the built apps from outside; they may use any library, never an app.
      { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
      // The embedded launcher (tools/embedded) runs the four apps' modules in one process: besides
      // libraries it imports those modules, by the paths its own eslint config allows, and nothing else.
      { sourceTag: 'type:launcher', onlyDependOnLibsWithTags: ['type:lib'] },
      // The benchmarks (tools/bench) use any library and the harness; an app only through its public
      // entry point, by the paths their own eslint config allows.
      { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:deploy', onlyDependOnLibsWithTags: [] },
    ],
  };
}

/**
 * The pure libraries' ban on Node's I/O built-ins, for `files` relative to the config that uses it:
 * the root config names the libraries' sources, each pure library's own config (what `nx lint` runs)
 * its `src/**`. A glob of the root config does not match when a project's config imports it.
 */
export function pureLibraryRules(files) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioBuiltins
            .flatMap((m) => [m, `node:${m}`])
            .map((name) => ({
              name,
              message:
                'Pure libraries do no I/O: pass data in, return decisions out.',
            })),
        },
      ],
    },
  };
}

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: [
      '**/dist',
      '**/out-tsc',
      '**/node_modules',
      '.tools/**',
      'tmp/**',
    ],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        boundaries({ testCode: false }),
      ],
    },
  },
  {
    // Tests of I/O libraries may use the harness (real servers, fixtures); production code may not.
    files: ['**/*.spec.ts', '**/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        boundaries({ testCode: true }),
      ],
    },
  },
  pureLibraryRules(['libs/domain/src/**/*.ts', 'libs/scheduling/src/**/*.ts']),
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
];
