import { isCi, workspaceRoot } from '@lcm/testing';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startCmlEmulator, type CmlEmulator } from '../src/cml-emulator';

const python = join(workspaceRoot(), '.tools/venv/bin/python');
const script = join(__dirname, 'virl2_client_check.py');
const available = existsSync(python);
if (!available && isCi())
  throw new Error(
    `${python} is missing: run tools/bootstrap/bootstrap.sh test (it installs virl2-client into .tools/venv)`,
  );
const describeWithPython = available ? describe : describe.skip;

/** Runs the check script and returns its JSON line; rejects with the client's traceback. */
async function runCheck(
  url: string,
  username: string,
  password: string,
): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(python, [script], {
    env: {
      PATH: process.env['PATH'] ?? '',
      CML_URL: url,
      CML_USERNAME: username,
      CML_PASSWORD: password,
    },
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<
    string,
    unknown
  >;
}

describeWithPython("the CML emulator driven by Cisco's virl2-client", () => {
  let emulator: CmlEmulator;
  const password = `pw-${Date.now().toString(36)}`;

  beforeAll(async () => {
    emulator = await startCmlEmulator({
      username: 'admin',
      password,
      labStartMs: 300,
    });
  });
  afterAll(() => emulator.close());

  it('authenticates, imports from YAML, starts until every node BOOTED, stops, wipes, deletes, reads health and licensing', async () => {
    const seen = await runCheck(emulator.url, 'admin', password);
    expect(seen).toMatchObject({
      username: 'admin',
      version: '2.9.0',
      nodes: ['desktop', 'r1'],
      links: 1,
      booted: { r1: 'BOOTED', desktop: 'BOOTED' },
      health: { valid: true, is_licensed: true },
      licensing: {
        product: 'CML_Personal',
        features: [['CML - Personal Edition', 20]],
      },
    });
    expect(emulator.stats().labs).toBe(0);
  });

  it('works on a virtual host path as on the root', async () => {
    const seen = await runCheck(
      emulator.hostUrl('worker-7.example'),
      'admin',
      password,
    );
    expect(seen).toMatchObject({ booted: { r1: 'BOOTED', desktop: 'BOOTED' } });
  });

  it('fails when the client cannot authenticate', async () => {
    await expect(
      runCheck(emulator.url, 'admin', 'wrong-password'),
    ).rejects.toThrow(/Unable to authenticate|403|Authentication/);
  });
});
