// An outside fuzzer against the api's own OpenAPI document: schemathesis (pinned in the .tools
// virtual environment by tools/bootstrap) generates requests from /api/docs-json and checks every
// answer, on the api running over real etcd and a MongoDB wire-protocol server, with the built
// audit-sink behind it (the api answers audit searches through it).
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  captureOutput,
  describeWithServers,
  etcdEndpoints,
  freePort,
  isCi,
  mongoUriForDatabase,
  spawnServer,
  stopProcess,
  uniqueName,
  until,
  workspaceRoot,
} from '@lcm/testing';
import { ApiHarness, SECRET, startTestApi } from './api-harness';
import { prepareFixtures } from './bad-input-cases';

const SCHEMATHESIS =
  process.env['SCHEMATHESIS_BIN'] ??
  join(__dirname, '../../../.tools/venv/bin/schemathesis');
/** The run's time budget (seconds): about two minutes, whatever the machine. */
const MAX_SECONDS = Number(process.env['FUZZ_MAX_SECONDS'] ?? 100);
/**
 * What every answer must satisfy: no 5xx; the status, content type (problem+json on every 4xx) and
 * headers the document declares; bodies that match the declared schema (the SSE stream's events
 * included); and 405 with Allow for a method the document does not declare on a path.
 */
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'unsupported_method',
  'allow_header_conformance',
];

/** The built audit-sink (the integration target builds it first). */
const AUDIT_SINK_MAIN = join(workspaceRoot(), 'dist/apps/audit-sink/main.js');

const available = existsSync(SCHEMATHESIS);
if (!available && isCi())
  throw new Error(
    `schemathesis is missing at ${SCHEMATHESIS} (tools/bootstrap/bootstrap.sh test installs it)`,
  );

function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const guard = setTimeout(
      () => child.kill('SIGKILL'),
      (MAX_SECONDS + 90) * 1000,
    );
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, output });
    });
  });
}

(available ? describeWithServers(['etcd', 'mongo']) : describe.skip)(
  'schemathesis against the OpenAPI document (etcd + MongoDB wire protocol)',
  () => {
    let h: ApiHarness;
    let workDir: string;
    let auditSink: ChildProcess | undefined;

    /** The audit-sink on the same etcd prefix and database, sharing the api's token secret. */
    async function startAuditSink(
      shared: Record<string, string>,
    ): Promise<string> {
      if (!existsSync(AUDIT_SINK_MAIN))
        throw new Error(
          `${AUDIT_SINK_MAIN} is missing: build it first (npx nx build audit-sink; api:integration does)`,
        );
      const port = await freePort();
      auditSink = spawnServer(process.execPath, [AUDIT_SINK_MAIN], {
        cwd: workspaceRoot(),
        env: {
          PATH: process.env['PATH'],
          ...shared,
          AUDIT_SINK_PORT: String(port),
          AUDIT_SINK_HOST: '127.0.0.1',
          AUTH_JWT_SECRET: SECRET,
          LOG_LEVEL: 'warn',
        },
      });
      const output = captureOutput(auditSink);
      const url = `http://127.0.0.1:${port}`;
      await until(
        async () => {
          if (auditSink?.exitCode !== null)
            throw new Error(`the audit-sink exited:\n${output()}`);
          const res = await fetch(`${url}/readyz`).catch(() => undefined);
          return res?.status === 200;
        },
        30_000,
        'the audit-sink to be ready',
        50,
        output,
      );
      return url;
    }

    beforeAll(async () => {
      const shared = {
        ETCD_ENDPOINTS: etcdEndpoints().join(','),
        ETCD_PREFIX: `/${uniqueName('fuzz')}`,
        MONGODB_URI: mongoUriForDatabase(uniqueName('fuzz')),
      };
      const auditSinkUrl = await startAuditSink(shared);
      h = await startTestApi({
        platformFromEnv: true,
        env: { ...shared, AUDIT_SINK_URL: auditSinkUrl },
      });
      // Something to find: a definition, a template, a running worker with a running instance, a pending one.
      await prepareFixtures(h);
      workDir = mkdtempSync(join(tmpdir(), 'lcm-fuzz-'));
    });
    afterAll(async () => {
      await h?.close();
      if (auditSink) await stopProcess(auditSink);
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    });

    it(
      'finds no 5xx, no undeclared status or content type, no response off its schema and no undeclared method answered but 405',
      async () => {
        const token = await h.token('admin', 'fuzzer');
        const args = [
          'run',
          `${h.url}/api/docs-json`,
          '--header',
          `Authorization: Bearer ${token}`,
          '--checks',
          CHECKS.join(','),
          '--max-examples',
          process.env['FUZZ_MAX_EXAMPLES'] ?? '12',
          '--max-time',
          String(MAX_SECONDS),
          // One worker: several threads meet a CPython 3.11 bug (concurrent ast parsing fails with
          // "AST constructor recursion depth mismatch" inside schemathesis, a runtime error, not a finding).
          '--workers',
          '1',
          '--seed',
          process.env['FUZZ_SEED'] ?? '20261203',
          '--request-timeout',
          '10',
          '--no-color',
        ];
        const { code, output } = await run(SCHEMATHESIS, args, workDir);
        const summary = output.slice(
          output.indexOf('SUMMARY') === -1
            ? -6000
            : Math.max(0, output.indexOf('SUMMARY') - 6000),
        );
        expect({ code, summary }).toEqual({ code: 0, summary });
        // Every operation of the document was exercised.
        const selected = /Selected: (\d+)\/(\d+)/.exec(output);
        const tested = /Tested: (\d+)/.exec(output);
        expect(selected?.[1]).toBe(selected?.[2]);
        expect(tested?.[1]).toBe(selected?.[2]);
        expect(Number(tested?.[1])).toBeGreaterThanOrEqual(30);
      },
      (MAX_SECONDS + 120) * 1000,
    );
  },
);
