import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  EmbeddedStack,
  startEmbeddedStack,
  until,
  workspaceRoot,
} from '@lcm/testing';

/**
 * Every lcmctl command and output format, run as a user would run it (the standalone bundle built
 * by `nx build cli`, as a process), against the embedded LCM on free ports. MAX_WORKERS=1 so a
 * cordoned fleet leaves an instance pending with the scheduler's reason.
 */
const BUNDLE = join(workspaceRoot(), 'dist/apps/cli/lcmctl.js');
const SAMPLE = 'devasc-lab-2-5-1';

interface Result {
  code: number;
  out: string;
  err: string;
}

let stack: EmbeddedStack;
let home: string;
let env: NodeJS.ProcessEnv;

function lcmctl(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BUNDLE, ...args],
      { env, timeout: 60_000 },
      (error, out, err) =>
        resolve({
          code: error ? ((error as { code?: number }).code ?? 1) : 0,
          out,
          err,
        }),
    );
  });
}

async function ok(...args: string[]): Promise<string> {
  const result = await lcmctl(...args);
  if (result.code !== 0)
    throw new Error(
      `lcmctl ${args.join(' ')} exited ${result.code}: ${result.err}`,
    );
  return result.out;
}

/** A long-running lcmctl (--watch, --follow) whose output is collected until it is interrupted. */
function background(...args: string[]): {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  stop: () => Promise<number>;
} {
  const child = spawn(process.execPath, [BUNDLE, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return {
    child,
    out: () => out,
    err: () => err,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', (code) => resolve(code ?? -1));
        child.kill('SIGINT');
      }),
  };
}

const json = <T>(text: string) => JSON.parse(text) as T;
type Item = Record<string, unknown> & { id: string; state: string };

beforeAll(async () => {
  stack = await startEmbeddedStack({
    env: { MAX_WORKERS: '1', MAX_WORKERS_PER_TEMPLATE: '1' },
  });
  home = mkdtempSync(join(tmpdir(), 'lcmctl-e2e-'));
  env = {
    PATH: process.env['PATH'],
    LCMCONFIG: join(home, 'lcm', 'config.yaml'),
    NO_COLOR: '1',
  };
}, 180_000);

afterAll(async () => {
  await stack?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('lcmctl against the embedded LCM', () => {
  let instanceId: string;
  let workerId: string;

  it('config set-context / use-context / get-contexts', async () => {
    expect(await lcmctl('get', 'instances')).toMatchObject({
      code: 1,
      err: expect.stringMatching(
        /^error: no context: add one with lcmctl config set-context/,
      ),
    });
    await ok(
      'config',
      'set-context',
      'admin',
      '--server',
      stack.apiUrl,
      '--token',
      await stack.token('admin', 'ada'),
    );
    const tokenFile = join(home, 'ulla.token');
    writeFileSync(tokenFile, await stack.token('user', 'ulla'));
    await ok(
      'config',
      'set-context',
      'ulla',
      '--server',
      stack.apiUrl,
      '--token-command',
      `cat ${tokenFile}`,
    );
    expect(await ok('config', 'get-contexts')).toMatch(
      /^CURRENT {3}NAME {4}SERVER\s+AUTH\n\* {9}admin {3}http:\/\/127\.0\.0\.1:\d+ {3}token\n {10}ulla {4}http:\/\/127\.0\.0\.1:\d+ {3}token-command\n$/,
    );
    expect(await ok('config', 'use-context', 'ulla')).toBe(
      'switched to context "ulla"\n',
    );
    expect(await ok('config', 'current-context')).toBe('ulla\n');
    await ok('config', 'use-context', 'admin');
  });

  it('get definitions and templates in every format', async () => {
    const table = await ok('get', 'definitions');
    expect(table.split('\n')[0]).toMatch(
      /^NAME\s+VERSION\s+ID\s+NODES\s+CPU\s+MEMORY\s+DEPRECATED\s+AGE$/,
    );
    expect(table).toMatch(
      new RegExp(
        `^${SAMPLE}\\s+1\\.0\\.0\\s+[0-9a-f-]{36}\\s+2\\s+4\\s+8Gi\\s+no\\s+\\d+[smhd]$`,
        'm',
      ),
    );
    expect(
      (await ok('get', 'definitions', '-o', 'wide')).split('\n')[0],
    ).toMatch(/LICENSES\s+PORTS\s+MAX-DURATION$/);
    expect(
      json<{ items: { name: string }[] }>(
        await ok('get', 'definitions', '-o', 'json'),
      ).items.map((d) => d.name),
    ).toContain(SAMPLE);
    expect(
      (
        parse(await ok('get', 'defs', '-o', 'yaml')) as {
          items: { name: string }[];
        }
      ).items.map((d) => d.name),
    ).toContain(SAMPLE);
    expect(await ok('get', 'definitions', '-o', 'name')).toContain(
      `definition/${SAMPLE}@1.0.0\n`,
    );
    const templates = await ok('get', 'templates');
    expect(templates.split('\n')[0]).toMatch(
      /^NAME\s+INSTANCE-TYPE\s+LICENSE\s+CPU\s+MEMORY\s+MAX-NODES\s+REGION$/,
    );
    expect((await ok('get', 'templates', '-o', 'wide')).split('\n')[0]).toMatch(
      /PORTS\s+STARTUP\s+DRAIN-TIMEOUT$/,
    );
    expect(
      json<{ items: unknown[] }>(await ok('get', 'templates', '-o', 'json'))
        .items.length,
    ).toBeGreaterThan(0);
    expect(await ok('get', 'templates', '-o', 'name')).toMatch(
      /^template\/\S+\n/,
    );
    expect(
      (
        parse(await ok('get', 'templates', '-o', 'yaml')) as {
          items: unknown[];
        }
      ).items.length,
    ).toBeGreaterThan(0);
  });

  it('apply -f: created, unchanged, then a new version when the YAML changed', async () => {
    const definition = (labYaml: string) =>
      `name: cli-lab\nlabYaml: |\n${labYaml.replace(/^/gm, '  ')}\nresourceRequirements: { cpuCores: 2, memoryGb: 4, storageGb: 20, nestedVirt: false }\nlicenseAffinity: [PERSONAL, ENTERPRISE]\nnodeCount: 1\nportTemplate: { ports: [{ name: serial_1, protocol: tcp }] }\nmaxDurationMinutes: 60\n`;
    const lab =
      'lab:\n  title: cli lab\n  version: "0.5"\nnodes: []\nlinks: []\n';
    const file = join(home, 'cli-lab.yaml');
    writeFileSync(file, definition(lab));
    expect(await ok('apply', '-f', file)).toBe(
      'definition/cli-lab@1.0.0 created\n',
    );
    expect(await ok('apply', '-f', file)).toBe(
      'definition/cli-lab@1.0.0 unchanged\n',
    );
    writeFileSync(file, definition(`${lab}# v2\n`));
    expect(await ok('apply', '-f', file, '-o', 'name')).toBe(
      'definition/cli-lab@1.0.1\n',
    );
    expect(
      await lcmctl('apply', '-f', join(home, 'missing.yaml')),
    ).toMatchObject({
      code: 1,
      err: `error: cannot read ${join(home, 'missing.yaml')}: ENOENT\n`,
    });
    writeFileSync(file, 'name: broken\n');
    const refused = await lcmctl('apply', '-f', file);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /^error: Error from server \(Invalid request\): .+\n$/,
    );
  });

  it('create instance, then get --watch shows it reach running; describe it', async () => {
    const watch = background('get', 'instances', '--watch', '-v');
    await connected(watch);
    const created = await ok(
      'create',
      'instance',
      '--definition',
      `${SAMPLE}@1.0.0`,
      '--duration',
      '30m',
      '-o',
      'name',
    );
    expect(created).toMatch(/^instance\/[0-9a-f-]{36}\n$/);
    instanceId = created.trim().slice('instance/'.length);
    await until(
      () =>
        new RegExp(
          `^${instanceId}\\s+${SAMPLE}@1\\.0\\.0\\s+running\\s+ada\\s+\\S+`,
          'm',
        ).test(watch.out()),
      60_000,
      'the watched row of the running instance',
      100,
      () => watch.out(),
    );
    expect(watch.out()).toMatch(
      new RegExp(`^${instanceId}\\s+\\S+\\s+pending\\s+ada`, 'm'),
    );
    expect(await watch.stop()).toBe(0);

    const instance = json<
      Item & { workerId: string; allocatedPorts: Record<string, number> }
    >(await ok('get', 'instances', '--state', 'running', '-o', 'json')).items;
    workerId = (instance as unknown as Item[]).find(
      (i) => i.id === instanceId,
    )?.['workerId'] as string;
    expect(workerId).toBeTruthy();

    const described = await ok('describe', 'instance', instanceId);
    expect(described).toMatch(new RegExp(`^ID:\\s+${instanceId}$`, 'm'));
    expect(described).toMatch(/^State:\s+running$/m);
    expect(described).toMatch(
      /^Ports:\n {2}NAME\s+PORT\n {2}serial_1\s+\d+\n/m,
    );
    expect(described).toMatch(
      new RegExp(`^Worker:\\n  ID:\\s+${workerId}$`, 'm'),
    );
    expect(described).toMatch(
      /^Timeline:\n {2}AT\s+FROM\s+TO\s+BY\s+REASON\n.*<none>\s+pending\s+ada/m,
    );
    expect(described).toMatch(/^\s+\S+\s+instantiating\s+running\s+/m);
    expect(described).toMatch(
      /^Events:\n {2}TIME\s+TYPE\s+SUBJECT\s+SUMMARY\n.*lcm\.lablet\.instance\.running/m,
    );
  });

  it('get instances in every format and with each filter', async () => {
    const table = await ok('get', 'instances');
    expect(table.split('\n')[0]).toMatch(
      /^ID\s+DEFINITION\s+STATE\s+OWNER\s+WORKER\s+AGE$/,
    );
    expect((await ok('get', 'instances', '-o', 'wide')).split('\n')[0]).toMatch(
      /PORTS\s+START\s+END\s+REASON$/,
    );
    expect(await ok('get', 'instances', '-o', 'name')).toContain(
      `instance/${instanceId}\n`,
    );
    expect(
      (
        parse(await ok('get', 'instances', '-o', 'yaml')) as { items: Item[] }
      ).items.map((i) => i.id),
    ).toContain(instanceId);
    const ids = async (...filter: string[]) =>
      json<{ items: Item[] }>(
        await ok('get', 'instances', ...filter, '-o', 'json'),
      ).items.map((i) => i.id);
    expect(await ids('--state', 'running')).toContain(instanceId);
    expect(await ids('--state', 'pending')).not.toContain(instanceId);
    expect(await ids('--definition', SAMPLE)).toContain(instanceId);
    expect(await ids('--definition', 'cli-lab')).toEqual([]);
    expect(await ids('--worker', workerId)).toEqual([instanceId]);
    expect(await ids('--owner', 'ada')).toContain(instanceId);
    expect(await ids('--owner', 'nobody')).toEqual([]);
    expect(await lcmctl('get', 'instances', '--owner', 'nobody')).toMatchObject(
      { code: 0, out: '', err: 'No resources found.\n' },
    );
  });

  it('get workers in every format; describe worker', async () => {
    expect((await ok('get', 'workers')).split('\n')[0]).toMatch(
      /^ID\s+NAME\s+STATE\s+TEMPLATE\s+CORDONED\s+AGE$/,
    );
    const wide = await ok('get', 'workers', '-o', 'wide');
    expect(wide.split('\n')[0]).toMatch(
      /CPU\s+MEMORY\s+PORTS\s+HOSTNAME\s+LICENSE$/,
    );
    // The embedded default's simulated engine reports the template's licence.
    expect(wide).toMatch(
      new RegExp(
        `^${workerId}\\s+\\S+\\s+running\\s+\\S+\\s+no\\s+\\S+\\s+4/\\d+\\s+8/\\d+Gi\\s+3/\\d+\\s+\\S+\\s+PERSONAL:REGISTERED$`,
        'm',
      ),
    );
    expect(await ok('get', 'workers', '-o', 'name')).toContain(
      `worker/${workerId}\n`,
    );
    expect(
      json<{ items: Item[] }>(
        await ok('get', 'workers', '-o', 'json'),
      ).items.map((w) => w.id),
    ).toContain(workerId);
    expect(
      (
        parse(await ok('get', 'workers', '-o', 'yaml')) as { items: Item[] }
      ).items.map((w) => w.id),
    ).toContain(workerId);
    const described = await ok('describe', 'worker', workerId);
    expect(described).toMatch(/^State:\s+running$/m);
    expect(described).toMatch(/^License:\s+PERSONAL \(template\)$/m);
    expect(described).toMatch(
      /^Reported license:\s+PERSONAL, REGISTERED, 20 nodes, read \S+ ago$/m,
    );
    expect(described).toMatch(/^ {2}nodes\s+20\s+\d+\s+\d+$/m);
    expect(described).toMatch(
      /^Capacity:\n {2}RESOURCE\s+DECLARED\s+ALLOCATED\s+AVAILABLE\n {2}cpu\s+\d+\s+4\s+\d+\n/m,
    );
    expect(described).toMatch(
      new RegExp(
        `^Ports in use:\\n  INSTANCE\\s+PORTS\\s+SINCE\\n  ${instanceId}\\s+serial_1:\\d+`,
        'm',
      ),
    );
    expect(described).toMatch(
      new RegExp(`^Instances:\\n  ID.*\\n  ${instanceId}\\s+`, 'm'),
    );
    expect(described).toMatch(/^Events:\n {2}TIME\s+TYPE/m);
  });

  it('capacity forecast: the booked demand and the running worker per step; refused to a user', async () => {
    const forecast = json<{
      stepMinutes: number;
      steps: {
        demand: { instances: number };
        templates: { template: string; running: number }[];
        atRisk: unknown[];
      }[];
    }>(
      await ok(
        'capacity',
        'forecast',
        '--to',
        '+2h',
        '--step',
        '30m',
        '-o',
        'json',
      ),
    );
    expect(forecast.stepMinutes).toBe(30);
    expect(forecast.steps).toHaveLength(4);
    // The 30-minute instance created above runs now, on the one worker.
    expect(forecast.steps[0].demand.instances).toBeGreaterThanOrEqual(1);
    expect(forecast.steps[0].templates.map((t) => t.running)).toContain(1);
    const table = await ok('capacity', 'forecast', '--to', '+1h');
    expect(table.split('\n')[0]).toMatch(
      /^AT\s+BOOKED\s+CPU\s+MEMORY\s+NODES\s+RUNNING\s+STARTING\s+PLANNED\s+FREE CPU\s+FREE MEMORY\s+FREE NODES\s+AT RISK$/,
    );
    expect(table.trimEnd().split('\n')).toHaveLength(2);
    expect(
      await lcmctl('--context', 'ulla', 'capacity', 'forecast'),
    ).toMatchObject({
      code: 1,
      err: 'error: Error from server (Not allowed): requires one of the roles: admin, manager\n',
    });
  });

  it('cordon: a new instance stays pending and describe says why; uncordon places it', async () => {
    expect(await ok('cordon', 'worker', workerId)).toBe(
      `worker/${workerId} cordoned\n`,
    );
    expect(await ok('get', 'workers')).toMatch(
      new RegExp(`^${workerId}\\s+\\S+\\s+running\\s+\\S+\\s+yes`, 'm'),
    );
    const pending = (
      await ok(
        'create',
        'instance',
        '--definition',
        SAMPLE,
        '--start',
        'now',
        '--duration',
        '1h',
        '-o',
        'name',
      )
    )
      .trim()
      .slice('instance/'.length);
    let described = '';
    await until(
      async () =>
        /^Why not placed:\n {2}- no worker fits \(1 worker: worker cordoned\)$/m.test(
          (described = await ok('describe', 'instance', pending)),
        ),
      60_000,
      'the scheduler explaining the pending instance',
      500,
      () => described,
    );
    expect(described).toMatch(/^State:\s+pending$/m);
    expect(described).toMatch(/cordon/i);
    expect(
      await ok('get', 'instances', '--state', 'pending', '-o', 'wide'),
    ).toMatch(new RegExp(`^${pending}\\s+.*1 worker: worker cordoned`, 'm'));
    expect(await ok('uncordon', 'worker', workerId, '-o', 'name')).toBe(
      `worker/${workerId}\n`,
    );
    await until(
      async () =>
        (
          await ok('get', 'instances', '--state', 'running', '-o', 'name')
        ).includes(pending),
      60_000,
      'the pending instance placed after uncordon',
    );
    expect(await ok('delete', 'instance', pending)).toMatch(
      new RegExp(`^instance/${pending} (deleted|deletion requested)\n$`),
    );
  });

  it('events --follow with --type and --subject sees stop and collect; events and audit list the trail', async () => {
    const follow = background(
      'events',
      '--follow',
      '--type',
      'lcm.lablet.instance.',
      '--subject',
      instanceId,
      '-v',
    );
    const followJson = background(
      'events',
      '--follow',
      '--subject',
      instanceId,
      '-o',
      'json',
      '-v',
    );
    await connected(follow, followJson);
    expect(await ok('collect', 'instance', instanceId)).toBe(
      `instance/${instanceId} collect requested\n`,
    );
    await until(
      () => follow.out().includes('lcm.lablet.instance.collecting.started'),
      60_000,
      'the followed collecting event',
      100,
      () => follow.out() + follow.err(),
    );
    expect(follow.out().split('\n')[0]).toMatch(
      /^TIME\s+TYPE\s+SUBJECT\s+SUMMARY$/,
    );
    expect(follow.out()).toMatch(
      new RegExp(
        `lcm\\.lablet\\.instance\\.collecting\\.started\\s+${instanceId}\\s+running -> collecting`,
      ),
    );
    await until(
      () => followJson.out().includes('collecting.started'),
      30_000,
      'the json stream',
    );
    const streamed = followJson
      .out()
      .trim()
      .split('\n')
      .map((line) => json<{ type: string; subject: string }>(line));
    expect(streamed.every((e) => e.subject === instanceId)).toBe(true);
    expect(await follow.stop()).toBe(0);
    expect(await followJson.stop()).toBe(0);

    const recent = await ok('events', '--subject', instanceId);
    expect(recent.split('\n')[0]).toMatch(/^TIME\s+TYPE\s+SUBJECT\s+SUMMARY$/);
    expect(recent).toContain('lcm.lablet.instance.pending');
    expect(
      await ok('get', 'events', '--type', 'lcm.worker.', '-o', 'name'),
    ).toMatch(/^event\/\S+\n/);
    const trail = await ok(
      'audit',
      '--subject',
      instanceId,
      '--since',
      '1h',
      '-o',
      'wide',
    );
    expect(trail.split('\n')[0]).toMatch(
      /^TIME\s+TYPE\s+SUBJECT\s+SOURCE\s+SUMMARY$/,
    );
    expect(trail).toMatch(
      /lcm\.lablet\.instance\.scheduled\s+\S+\s+lcm\/scheduler/,
    );
    const types = json<{ items: { type: string }[] }>(
      await ok('audit', '--type', 'lcm.lablet.instance.running', '-o', 'json'),
    ).items.map((e) => e.type);
    expect(new Set(types)).toEqual(new Set(['lcm.lablet.instance.running']));
    expect(
      (
        parse(await ok('audit', '--limit', '3', '-o', 'yaml')) as {
          items: unknown[];
        }
      ).items,
    ).toHaveLength(3);
    expect(await lcmctl('audit', '--since', 'yesterday')).toMatchObject({
      code: 2,
      err: 'error: --since must be an ISO time or a duration like 30m or 2h, got "yesterday"\n',
    });
  });

  it('stop and delete an instance; drain a worker', async () => {
    // Collecting (no assessment platform answers here): stop ends it from there.
    expect(await ok('describe', 'instance', instanceId)).toMatch(
      /^State:\s+collecting$/m,
    );
    expect(await ok('stop', 'instance', instanceId, '-o', 'json')).toContain(
      `"id": "${instanceId}"`,
    );
    await until(
      async () =>
        /^State:\s+(stopped|terminated)/m.test(
          await ok('describe', 'instance', instanceId),
        ),
      60_000,
      'the instance stopped',
    );
    expect(await ok('delete', 'instance', instanceId)).toMatch(
      /deletion requested|deleted/,
    );
    const watch = background('get', 'workers', '--watch', '-o', 'wide', '-v');
    await connected(watch);
    expect(await ok('drain', 'worker', workerId)).toBe(
      `worker/${workerId} drain requested\n`,
    );
    await until(
      async () =>
        /^State:\s+(draining|stopping|stopped|terminated)$/m.test(
          await ok('describe', 'worker', workerId),
        ),
      60_000,
      'the worker draining',
    );
    // The watched rows follow the worker's changes (no header again), with the wide columns.
    await until(
      () =>
        new RegExp(
          `^${workerId}\\s+\\S+\\s+(draining|stopping|stopped|terminated)\\s+\\S+\\s+(yes|no)\\s+\\S+\\s+`,
          'm',
        ).test(watch.out()),
      60_000,
      'the watched worker row',
      100,
      () => watch.out(),
    );
    expect(watch.out().match(/^ID\s+NAME/gm)).toHaveLength(1);
    expect(await watch.stop()).toBe(0);
  });

  it('a user sees and streams only its own instances', async () => {
    await ok('uncordon', 'worker', workerId);
    const ulla = ['--context', 'ulla'];
    const stream = background(
      'events',
      '--follow',
      ...ulla,
      '-o',
      'json',
      '-v',
    );
    await connected(stream);
    const own = (
      await ok(
        'create',
        'instance',
        '--definition',
        'cli-lab',
        ...ulla,
        '-o',
        'name',
      )
    )
      .trim()
      .slice('instance/'.length);
    const others = (
      await ok('create', 'instance', '--definition', 'cli-lab', '-o', 'name')
    )
      .trim()
      .slice('instance/'.length);
    expect(
      json<{ items: Item[] }>(
        await ok('get', 'instances', ...ulla, '-o', 'json'),
      ).items.map((i) => i.id),
    ).toEqual([own]);
    await until(() => stream.out().includes(own), 30_000, "ulla's own event");
    // The admin's instance was created after ulla's: by the time its pending event is in the outbox, so is ulla's.
    await until(
      async () => (await ok('events', '--subject', others)).includes('pending'),
      30_000,
      "the other instance's event in the trail",
    );
    expect(await stream.stop()).toBe(0);
    const subjects = stream
      .out()
      .trim()
      .split('\n')
      .map((line) => json<{ subject: string }>(line).subject);
    expect(new Set(subjects)).toEqual(new Set([own]));
    expect(await lcmctl('get', 'workers', ...ulla)).toMatchObject({
      code: 1,
      err: expect.stringMatching(
        /^error: Error from server \(Not allowed\): requires one of the roles: admin, manager, viewer\n$/,
      ),
    });
  });

  it('server errors print the problem title and detail (exit 1)', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(await lcmctl('describe', 'instance', missing)).toMatchObject({
      code: 1,
      err: expect.stringMatching(
        /^error: Error from server \(Not found\): .*\n$/i,
      ),
    });
    expect(
      await lcmctl('create', 'instance', '--definition', 'no-such-lab'),
    ).toMatchObject({
      code: 1,
      err: 'error: no definition named "no-such-lab" (lcmctl get definitions lists them)\n',
    });
    expect(await lcmctl('stop', 'instance', 'not-a-uuid')).toMatchObject({
      code: 1,
      err: expect.stringMatching(
        /^error: Error from server \(Invalid request\): /,
      ),
    });
    expect(await lcmctl('get', 'instances', '--token', 'forged')).toMatchObject(
      {
        code: 1,
        err: expect.stringMatching(
          /^error: Error from server \(Authentication required\): /,
        ),
      },
    );
  });

  it('events --follow resumes after the api restarts, missing nothing (Last-Event-ID)', async () => {
    const follow = background(
      'events',
      '--follow',
      '--type',
      'lcm.lablet.instance.pending',
      '-o',
      'json',
      '-v',
    );
    await connected(follow);
    const before = (
      await ok('create', 'instance', '--definition', 'cli-lab', '-o', 'name')
    )
      .trim()
      .slice('instance/'.length);
    await until(
      () => follow.out().includes(before),
      30_000,
      'the event before the restart',
    );
    await stack.restart();
    await until(
      () => follow.err().includes('stream interrupted'),
      30_000,
      'the interruption reported on stderr',
    );
    const after = (
      await ok('create', 'instance', '--definition', 'cli-lab', '-o', 'name')
    )
      .trim()
      .slice('instance/'.length);
    await until(
      () => follow.out().includes(after),
      60_000,
      'the event after the restart',
      100,
      () => follow.err(),
    );
    expect(await follow.stop()).toBe(0);
    const ids = follow
      .out()
      .trim()
      .split('\n')
      .map((line) => json<{ subject: string }>(line).subject);
    expect(ids).toEqual([before, after]);
  });
});

/** Waits until every follower (started with -v) has its stream open: later events reach it. */
function connected(...followers: { err: () => string }[]): Promise<void> {
  return until(
    () => followers.every((f) => f.err().includes('stream connected')),
    30_000,
    'the event streams connected',
  );
}
