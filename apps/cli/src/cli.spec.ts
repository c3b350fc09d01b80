import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configPath, readConfig, setContext } from './config';
import {
  age,
  paint,
  parseDuration,
  parseStart,
  table,
  terminalOut,
} from './output';
import { run } from './program';

interface Captured {
  code: number;
  out: string;
  err: string;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lcmctl-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function lcmctl(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  colour = false,
): Promise<Captured> {
  let out = '';
  let err = '';
  const code = await run(args, {
    out: { write: (t) => void (out += t), colour },
    err: { write: (t) => void (err += t), colour: false },
    env: { LCMCONFIG: join(dir, 'config.yaml'), ...env },
  });
  return { code, out, err };
}

describe('output', () => {
  it('colours only a terminal, and not with NO_COLOR or TERM=dumb', () => {
    const stream = (isTTY: boolean) =>
      ({ isTTY, write: () => true }) as unknown as NodeJS.WriteStream;
    expect(terminalOut(stream(true), {}).colour).toBe(true);
    expect(terminalOut(stream(false), {}).colour).toBe(false);
    expect(terminalOut(stream(true), { NO_COLOR: '1' }).colour).toBe(false);
    expect(terminalOut(stream(true), { TERM: 'dumb' }).colour).toBe(false);
    expect(paint({ colour: true }, 'green', 'running')).toBe(
      '\u001b[32mrunning\u001b[0m',
    );
    expect(paint({ colour: false }, 'green', 'running')).toBe('running');
  });

  it('aligns a table on its widest cells, three spaces apart, upper-case headers, no trailing blanks', () => {
    expect(
      table(
        ['id', 'state', 'owner'],
        [
          ['a', 'running', 'ulla'],
          ['bbbb', 'pending', ''],
        ],
      ),
    ).toBe('ID     STATE     OWNER\na      running   ulla\nbbbb   pending\n');
  });

  it('ignores colour codes when aligning', () => {
    expect(table(['a', 'b'], [['\u001b[32mrun\u001b[0m', 'x']])).toBe(
      'A     B\n\u001b[32mrun\u001b[0m   x\n',
    );
  });

  it('prints ages as kubectl does', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(
      [
        '2026-01-01T23:59:30Z',
        '2026-01-01T23:30:00Z',
        '2026-01-01T20:00:00Z',
        '2025-12-28T00:00:00Z',
      ].map((t) => age(t, now)),
    ).toEqual(['30s', '30m', '4h', '5d']);
    expect(age(null)).toBe('<none>');
  });

  it('reads durations and start times, refusing what is not one (usage errors)', () => {
    expect([
      parseDuration('30m'),
      parseDuration('2h'),
      parseDuration('1h30m'),
      parseDuration('45'),
    ]).toEqual([30, 120, 90, 45]);
    expect(() => parseDuration('soon')).toThrow('duration must be like 30m');
    expect(() => parseDuration('0m')).toThrow('positive');
    const now = new Date('2026-01-01T10:00:00Z');
    expect(parseStart('now', now)).toBe('2026-01-01T10:00:00.000Z');
    expect(parseStart('+15m', now)).toBe('2026-01-01T10:15:00.000Z');
    expect(parseStart('2026-05-01T09:00:00Z')).toBe('2026-05-01T09:00:00.000Z');
    expect(() => parseStart('tomorrow')).toThrow('start must be now');
  });
});

describe('contexts', () => {
  it('lives in $LCMCONFIG, else lcm/config.yaml in the user config directory', () => {
    expect(configPath({ LCMCONFIG: '/x/c.yaml' })).toBe('/x/c.yaml');
    expect(configPath({ XDG_CONFIG_HOME: '/home/u/.cfg' }, 'linux')).toBe(
      '/home/u/.cfg/lcm/config.yaml',
    );
    expect(
      configPath({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32'),
    ).toContain('lcm');
  });

  it('set-context creates (the first becomes current), updates only what is given, and a token replaces a token command', () => {
    let config = setContext({ contexts: [] }, 'prod', {
      server: 'https://lcm.example.com/',
      'token-command': 'vault read token',
    });
    expect(config).toEqual({
      'current-context': 'prod',
      contexts: [
        {
          name: 'prod',
          server: 'https://lcm.example.com',
          'token-command': 'vault read token',
        },
      ],
    });
    config = setContext(config, 'prod', { token: 't1', 'ca-file': '/ca.pem' });
    expect(config.contexts).toEqual([
      {
        name: 'prod',
        server: 'https://lcm.example.com',
        token: 't1',
        'ca-file': '/ca.pem',
      },
    ]);
    expect(() => setContext(config, 'new', { token: 't' })).toThrow(
      '--server is required',
    );
    expect(() => setContext(config, 'x', { server: 'ftp://h' })).toThrow(
      'http or https',
    );
  });

  it('writes the file for the user only, switches context, and lists them', async () => {
    expect(
      (
        await lcmctl([
          'config',
          'set-context',
          'a',
          '--server',
          'http://a:3000',
          '--token',
          'ta',
        ])
      ).code,
    ).toBe(0);
    expect(
      (
        await lcmctl([
          'config',
          'set-context',
          'b',
          '--server',
          'http://b:3000',
          '--token-command',
          'echo tb',
        ])
      ).code,
    ).toBe(0);
    expect(statSync(join(dir, 'config.yaml')).mode & 0o777).toBe(0o600);
    expect((await lcmctl(['config', 'current-context'])).out).toBe('a\n');
    expect(await lcmctl(['config', 'use-context', 'b'])).toMatchObject({
      code: 0,
      out: 'switched to context "b"\n',
    });
    expect((await lcmctl(['config', 'get-contexts'])).out).toBe(
      'CURRENT   NAME   SERVER          AUTH\n          a      http://a:3000   token\n*         b      http://b:3000   token-command\n',
    );
    expect((await lcmctl(['config', 'view'])).out).toContain('token: REDACTED');
    expect(readConfig(join(dir, 'config.yaml'))['current-context']).toBe('b');
  });

  it('use-context of an unknown name and a broken config file are one-line errors (exit 1)', async () => {
    expect(await lcmctl(['config', 'use-context', 'nope'])).toMatchObject({
      code: 1,
      err: 'error: no context named "nope" (lcmctl config get-contexts lists them)\n',
    });
    writeFileSync(join(dir, 'config.yaml'), 'contexts: [unclosed');
    const broken = await lcmctl(['get', 'instances']);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(
      /^error: .*config.yaml is not valid YAML: [^\n]*\n$/,
    );
  });
});

describe('bad input: one line, exit 2 for usage, 1 for the rest, never a stack trace', () => {
  it.each([
    [['get', 'instances', '--bogus'], /^error: unknown option '--bogus'\n$/],
    [['gte', 'instances'], /^error: unknown command 'gte'/],
    [['get'], /^error: missing required argument 'resource'\n$/],
    [
      ['get', 'pods'],
      /^error: unknown resource type "pods": use one of instances, workers, definitions, templates, events\n$/,
    ],
    [['get', 'instances', '-o', 'xml'], /^error: unknown output format "xml"/],
    [
      ['describe', 'template', 'x'],
      /^error: unknown resource type "template": use one of instances, workers\n$/,
    ],
    [
      ['create', 'instance'],
      /^error: --definition NAME\[@VERSION\] is required\n$/,
    ],
    [
      ['create', 'instance', '--definition', 'lab', '--duration', 'forever'],
      /^error: duration must be like 30m/,
    ],
    [
      ['get', 'definitions', '--state', 'running'],
      /^error: --state, --definition, --worker and --owner filter instances only\n$/,
    ],
    [['completion', 'fish'], /^error: completion is for bash or zsh/],
  ])('%j', async (args, message) => {
    const result = await lcmctl(args);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.err.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('without a context: how to add one (exit 1)', async () => {
    const result = await lcmctl(['get', 'instances']);
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toMatch(
      /^error: no context: add one with lcmctl config set-context NAME --server URL --token TOKEN \(config file .*config.yaml\)\n$/,
    );
  });

  it('a server that does not answer: cannot reach it (exit 1)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await lcmctl([
      'get',
      'workers',
      '--server',
      `http://127.0.0.1:${port}`,
      '--token',
      't',
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `error: cannot reach the server at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
  });

  it('a failing token command names its error', async () => {
    await lcmctl([
      'config',
      'set-context',
      'x',
      '--server',
      'http://127.0.0.1:9',
      '--token-command',
      'echo denied >&2; exit 3',
    ]);
    expect(await lcmctl(['get', 'workers'])).toMatchObject({
      code: 1,
      err: 'error: token command of context "x" failed: denied\n',
    });
  });

  it('help and version exit 0', async () => {
    const help = await lcmctl(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: lcmctl');
    expect((await lcmctl(['--version'])).out).toBe('1.0.0\n');
  });
});

describe('server answers', () => {
  let server: Server;
  let url: string;
  const seen: { url: string; authorization?: string }[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push({
        url: request.url ?? '',
        authorization: request.headers.authorization,
      });
      if (request.url?.startsWith('/api/v1/workers/w-missing')) {
        response
          .writeHead(404, { 'content-type': 'application/problem+json' })
          .end(
            JSON.stringify({
              type: 'urn:lcm:problem:not-found',
              title: 'Not found',
              status: 404,
              detail: 'worker w-missing not found',
            }),
          );
      } else if (request.url?.startsWith('/api/v1/instances')) {
        response
          .writeHead(400, { 'content-type': 'application/problem+json' })
          .end(
            JSON.stringify({
              title: 'Invalid request',
              status: 400,
              errors: [{ field: 'state', message: 'state must be one of ...' }],
            }),
          );
      } else response.writeHead(500).end('boom');
    });
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('prints the problem+json title and detail (or its fields) and exits 1; sends the context token', async () => {
    await lcmctl([
      'config',
      'set-context',
      'local',
      '--server',
      url,
      '--token-command',
      'echo from-command',
    ]);
    expect(await lcmctl(['describe', 'worker', 'w-missing'])).toMatchObject({
      code: 1,
      err: 'error: Error from server (Not found): worker w-missing not found\n',
    });
    expect(seen.at(-1)).toMatchObject({ authorization: 'Bearer from-command' });
    expect(
      await lcmctl(['get', 'instances', '--state', 'bogus']),
    ).toMatchObject({
      code: 1,
      err: 'error: Error from server (Invalid request): state: state must be one of ...\n',
    });
    expect(await lcmctl(['get', 'templates'])).toMatchObject({
      code: 1,
      err: 'error: Error from server (HTTP 500): Internal Server Error\n',
    });
  });
});

describe('capacity forecast', () => {
  let server: Server;
  let url: string;
  const asked: URL[] = [];
  const FORECAST = {
    from: '2026-05-01T09:00:00.000Z',
    to: '2026-05-01T10:00:00.000Z',
    stepMinutes: 30,
    maxWorkers: 200,
    steps: [
      {
        at: '2026-05-01T09:00:00.000Z',
        demand: { instances: 12, cpuCores: 48, memoryGb: 96, nodes: 24 },
        templates: [
          {
            template: 'personal-standard',
            running: 1,
            unavailable: 0,
            starting: 1,
            needed: 2,
            planned: 0,
          },
        ],
        free: { cpuCores: 48, memoryGb: 288, nodes: 16 },
        atRisk: [],
      },
      {
        at: '2026-05-01T09:30:00.000Z',
        demand: { instances: 30, cpuCores: 120, memoryGb: 240, nodes: 60 },
        templates: [
          {
            template: 'personal-standard',
            running: 2,
            unavailable: 1,
            starting: 1,
            needed: 3,
            planned: 1,
          },
        ],
        free: { cpuCores: -24, memoryGb: 144, nodes: -20 },
        atRisk: [
          {
            instanceId: 'i-late',
            timeslotStart: '2026-05-01T09:30:00.000Z',
            reason: 'needs a worker that cannot be running by its slot',
          },
        ],
      },
    ],
  };
  beforeAll(async () => {
    server = createServer((request, response) => {
      const asUrl = new URL(request.url ?? '/', 'http://lcm');
      asked.push(asUrl);
      if (asUrl.pathname === '/api/v1/capacity/forecast')
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(FORECAST));
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('asks for the window and step given, and prints one row per step, then the bookings at risk', async () => {
    const result = await lcmctl([
      '--server',
      url,
      'capacity',
      'forecast',
      '--from',
      '2026-05-01T09:00:00Z',
      '--to',
      '2026-05-01T10:00:00Z',
      '--step',
      '30m',
    ]);
    expect(result).toMatchObject({ code: 0, err: '' });
    const query = asked.at(-1)?.searchParams;
    expect(Object.fromEntries(query ?? [])).toEqual({
      from: '2026-05-01T09:00:00.000Z',
      to: '2026-05-01T10:00:00.000Z',
      step: '30',
    });
    const lines = result.out.split('\n');
    expect(lines[0]).toMatch(
      /^AT\s+BOOKED\s+CPU\s+MEMORY\s+NODES\s+RUNNING\s+STARTING\s+PLANNED\s+FREE CPU\s+FREE MEMORY\s+FREE NODES\s+AT RISK$/,
    );
    expect(lines[1]).toMatch(
      /^2026-05-01T09:00:00.000Z\s+12\s+48\s+96G\s+24\s+1\s+1\s+0\s+48\s+288\s+16\s+0$/,
    );
    expect(lines[2]).toMatch(/\s+2\s+1\s+1\s+-24\s+144\s+-20\s+1$/);
    expect(result.out).toMatch(
      /\nAt risk \(1\):\nINSTANCE\s+TIMESLOT START\s+REASON\ni-late\s+2026-05-01T09:30:00.000Z\s+needs a worker/,
    );
  });

  it('prints the forecast as json or yaml, per template in wide; relative times from now', async () => {
    const before = Date.now();
    const json = await lcmctl([
      '--server',
      url,
      'capacity',
      'forecast',
      '--from',
      'now',
      '--to',
      '+2h',
      '-o',
      'json',
    ]);
    expect(JSON.parse(json.out)).toEqual(FORECAST);
    const query = asked.at(-1)?.searchParams;
    const from = Date.parse(query?.get('from') ?? '');
    expect(from).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(query?.get('to') ?? '') - from).toBe(2 * 3_600_000);
    expect(query?.has('step')).toBe(false);
    const wide = await lcmctl([
      '--server',
      url,
      'capacity',
      'forecast',
      '-o',
      'wide',
    ]);
    expect(wide.out.split('\n')[0]).toMatch(/AT RISK\s+TEMPLATES$/);
    expect(wide.out).toContain('personal-standard=1+1/2 (0 planned)');
    expect(wide.out).toContain(
      'personal-standard=2+1/3 (1 planned, 1 unavailable)',
    );
    expect(
      (await lcmctl(['--server', url, 'capacity', 'forecast', '-o', 'name']))
        .out,
    ).toBe(
      'forecast/2026-05-01T09:00:00.000Z\nforecast/2026-05-01T09:30:00.000Z\n',
    );
  });

  it('refuses a bad time or step before asking (exit 2, one line)', async () => {
    const count = asked.length;
    expect(
      await lcmctl([
        '--server',
        url,
        'capacity',
        'forecast',
        '--step',
        'often',
      ]),
    ).toMatchObject({
      code: 2,
      err: 'error: duration must be like 30m, 2h or 1h30m, got "often"\n',
    });
    expect(
      await lcmctl(['--server', url, 'capacity', 'forecast', '--from', 'soon']),
    ).toMatchObject({
      code: 2,
      err: 'error: --from must be now, +DURATION or an ISO time like 2026-05-01T09:00:00Z, got "soon"\n',
    });
    expect(asked.length).toBe(count);
  });
});

describe('completion', () => {
  it('completes commands, resource types and flags', async () => {
    const { code, out } = await lcmctl(['completion', 'bash']);
    expect(code).toBe(0);
    expect(out).toContain('complete -F _lcmctl lcmctl');
    expect(out).toMatch(
      /"" *\) words="get describe create apply stop collect delete start drain cordon uncordon events audit capacity config completion/,
    );
    expect(out).toMatch(
      /"get"\) words="instances workers definitions templates events --output -o --watch -w --state/,
    );
    expect(out).toContain(
      '"config") words="set-context use-context get-contexts current-context view',
    );
    expect((await lcmctl(['completion', 'zsh'])).out).toMatch(
      /^autoload -U \+X bashcompinit && bashcompinit\n/,
    );
  });
});
