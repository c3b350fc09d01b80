import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '../servers/workspace-root';

// ESLint loads the flat config with a dynamic import, which jest's module sandbox cannot do:
// lint in a child Node process instead, all cases in one go.
const LINT_SCRIPT = `
const { ESLint } = require('eslint');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {
  // Each file under the eslint config of its own project, as \`nx lint <project>\` lints it.
  const eslint = new ESLint({ cwd: process.cwd(), flags: ['v10_config_lookup_from_file'] });
  const out = {};
  for (const [file, code] of Object.entries(cases)) {
    const [result] = await eslint.lintText(code, { filePath: file });
    out[file] = result.messages.filter((m) => m.severity === 2).map((m) => m.ruleId + ': ' + m.message);
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/**
 * The Nx module boundaries are part of the architecture: these lint a forbidden import as if it were
 * written in a real project file, and expect the rule to reject it.
 */
describe('module boundaries', () => {
  const cases: Record<string, string> = {
    'apps/scheduler/src/forbidden.ts':
      "import { ApiModule } from '../../api/src/app/api.module';\nexport const x = ApiModule;\n",
    'libs/domain/src/forbidden.ts':
      "import * as harness from '@lcm/testing';\nexport const x = harness;\n",
    'libs/scheduling/src/forbidden.ts':
      "import { Etcd3 } from 'etcd3';\nimport { readFileSync } from 'node:fs';\nexport const x = [Etcd3, readFileSync];\n",
    'libs/state-store/src/forbidden.ts':
      "import { startEtcd } from '@lcm/testing';\nexport const x = startEtcd;\n",
    'apps/controller/src/forbidden.ts':
      "import { startEtcd } from '@lcm/testing';\nexport const x = startEtcd;\n",
    'apps/controller/test/allowed.spec.ts':
      "import { startEtcd } from '@lcm/testing';\nexport const x = startEtcd;\n",
    'apps/api/src/allowed.ts':
      "import { EnvReader } from '@lcm/runtime';\nexport const x = EnvReader;\n",
    'libs/doc-store/src/allowed.ts':
      "import { validateNewDefinition } from '@lcm/domain';\nexport const x = validateNewDefinition;\n",
    'libs/domain/src/forbidden-store.ts':
      "import { MemoryDocStore } from '@lcm/doc-store';\nexport const x = MemoryDocStore;\n",
    'tools/bench/forbidden.bench.ts':
      "import { Scheduler } from '../../apps/scheduler/src/scheduler/scheduler';\nimport { ctx } from '../../libs/state-store/test/fixtures';\nexport const x = [Scheduler, ctx];\n",
    'tools/bench/allowed.bench.ts':
      "import { Scheduler } from '../../apps/scheduler/src';\nimport { aSpec } from '../../apps/scheduler/test';\nimport { ctx } from '../../libs/state-store/test';\nimport { startEtcd } from '@lcm/testing';\nexport const x = [Scheduler, aSpec, ctx, startEtcd];\n",
    'tools/embedded/forbidden.ts':
      "import { ApiModule } from '../../apps/api/src/app/api.module';\nexport const x = ApiModule;\n",
    'tools/embedded/allowed.ts':
      "import { ApiModule } from '../../apps/api/src';\nexport const x = ApiModule;\n",
  };
  let results: Record<string, string[]>;

  beforeAll(() => {
    const root = workspaceRoot();
    const input = JSON.stringify(
      Object.fromEntries(
        Object.entries(cases).map(([file, code]) => [`${root}/${file}`, code]),
      ),
    );
    const output = JSON.parse(
      execFileSync(process.execPath, ['-e', LINT_SCRIPT], {
        cwd: root,
        input,
        env: { ...process.env, NX_DAEMON: 'false' },
      }).toString(),
    ) as Record<string, string[]>;
    results = Object.fromEntries(
      Object.entries(output).map(([file, errors]) => [
        file.slice(root.length + 1),
        errors,
      ]),
    );
  }, 120_000);

  const lint = (file: string): string[] => results[file];

  it('forbids an app from importing another app', () => {
    const errors = lint('apps/scheduler/src/forbidden.ts');
    expect(errors.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
  });

  it('forbids the pure domain library from importing an I/O library', () => {
    const errors = lint('libs/domain/src/forbidden.ts');
    expect(errors.join('\n')).toMatch(
      /@nx\/enforce-module-boundaries.*scope:pure/s,
    );
  });

  it('forbids the pure scheduling library from importing etcd3 or node:fs', () => {
    const errors = lint('libs/scheduling/src/forbidden.ts');
    const text = errors.join('\n');
    expect(text).toMatch(/@nx\/enforce-module-boundaries.*etcd3/s);
    expect(text).toMatch(/no-restricted-imports.*node:fs/s);
  });

  it('forbids an I/O library from importing the test harness', () => {
    const errors = lint('libs/state-store/src/forbidden.ts');
    expect(errors.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
  });

  it('forbids production code of an app from importing the test harness', () => {
    const errors = lint('apps/controller/src/forbidden.ts');
    expect(errors.join('\n')).toMatch(
      /@nx\/enforce-module-boundaries.*scope:app/s,
    );
  });

  it("allows an app's tests to use the harness", () => {
    expect(lint('apps/controller/test/allowed.spec.ts')).toEqual([]);
  });

  it('forbids the benchmarks from importing a file inside an app or a library', () => {
    const errors = lint('tools/bench/forbidden.bench.ts');
    expect(errors).toHaveLength(2);
    expect(errors.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
  });

  it("allows the benchmarks an app's public entry point, a project's test kit and the harness", () => {
    expect(lint('tools/bench/allowed.bench.ts')).toEqual([]);
  });

  it('forbids the embedded launcher from importing a file inside an app', () => {
    const errors = lint('tools/embedded/forbidden.ts');
    expect(errors.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
  });

  it("allows the embedded launcher an app's public entry point", () => {
    expect(lint('tools/embedded/allowed.ts')).toEqual([]);
  });

  it('allows an app to import a library', () => {
    const errors = lint('apps/api/src/allowed.ts');
    expect(errors).toEqual([]);
  });

  it('allows the document store to build on the domain, and forbids the domain from importing the store', () => {
    expect(lint('libs/doc-store/src/allowed.ts')).toEqual([]);
    // Nx reports it as a cycle (doc-store already imports the domain) or as the scope:pure constraint.
    expect(lint('libs/domain/src/forbidden-store.ts').join('\n')).toMatch(
      /@nx\/enforce-module-boundaries.*(scope:pure|Circular dependency)/s,
    );
  });
});

/** Every `.ts` file under `dir`, tests included. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/**
 * One home per concept: the LabletDefinition and WorkerTemplate aggregates, their value types and
 * ValidationError are declared in libs/domain; the document store imports them and declares none.
 */
describe('the domain owns the document aggregates', () => {
  const DOMAIN_NAMES = [
    'LabletDefinition',
    'LabletDefinitionSummary',
    'NewLabletDefinition',
    'WorkerTemplate',
    'NewWorkerTemplate',
    'LicenseType',
    'LICENSE_TYPES',
    'ResourceRequirements',
    'AmiRequirement',
    'PortTemplate',
    'PortDefinition',
    'PortRange',
    'WorkerCapacity',
    'ValidationError',
    'PORT_PLACEHOLDER_PATTERN',
  ];

  it('libs/doc-store declares none of them, and no placeholder pattern or semver helper of its own', () => {
    const declaration = new RegExp(
      String.raw`^\s*(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(?:interface|type|class|const|enum)\s+(${DOMAIN_NAMES.join('|')})\s*(?:[=<{:]|extends\b)`,
      'm',
    );
    const offenders: string[] = [];
    for (const file of sourceFiles(
      join(workspaceRoot(), 'libs/doc-store/src'),
    )) {
      const text = readFileSync(file, 'utf8');
      const found = declaration.exec(text);
      if (found) offenders.push(`${file}: ${found[1]}`);
      if (/\$\\\{PORT_/.test(text))
        offenders.push(`${file}: a placeholder pattern`);
      if (/from 'semver'/.test(text)) offenders.push(`${file}: semver`);
    }
    expect(offenders).toEqual([]);
  });
});
