/* eslint-disable @typescript-eslint/no-explicit-any -- a test client reads whatever JSON a reply carries; tests assert its shape */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  captureOutput,
  settle,
  spawnServer,
  until,
  workspaceRoot,
} from '@lcm/testing';

/** Every app on a port the system picks: tests never take the fixed 3000-3003. */
const FREE_PORTS = {
  API_PORT: '0',
  SCHEDULER_PORT: '0',
  CONTROLLER_PORT: '0',
  AUDIT_SINK_PORT: '0',
};

/** What the launcher prints once every app listens: the URLs, the admin token and its pid. */
export interface Banner {
  pid: number;
  api: string;
  auditSink: string;
  token: string;
}

function readBanner(text: string): Banner | undefined {
  if (!text.includes('Press Ctrl-C to stop.')) return undefined;
  const url = (name: string) =>
    new RegExp(`^\\s+${name}\\s+(http://\\S+)\\s`, 'm')
      .exec(text)?.[1]
      ?.replace('//localhost:', '//127.0.0.1:');
  const pid = /one process, pid (\d+)/.exec(text)?.[1];
  const token = /Admin token\s+(\S+)/.exec(text)?.[1];
  const api = url('api');
  const auditSink = url('audit-sink');
  if (!pid || !token || !api || !auditSink)
    throw new Error(`unexpected banner:\n${text}`);
  return { pid: Number(pid), api, auditSink, token };
}

async function awaitBanner(
  child: ChildProcess,
  output: () => string,
  timeoutMs = 120_000,
): Promise<Banner> {
  let all = '';
  child.stdout?.on('data', (chunk: Buffer) => (all += chunk.toString()));
  let banner: Banner | undefined;
  await until(
    () => {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `the embedded LCM exited (${child.exitCode ?? child.signalCode}):\n${output()}`,
        );
      banner = readBanner(all);
      return banner !== undefined;
    },
    timeoutMs,
    'the embedded LCM to start',
    100,
    output,
  );
  return banner as Banner;
}

/** The embedded all-in-one process (tools/embedded/main.ts) on free ports and a given data directory. */
export class EmbeddedLcm {
  private constructor(
    readonly process: ChildProcess,
    readonly banner: Banner,
    readonly output: () => string,
  ) {}

  static async start(
    dataDir: string,
    env: Record<string, string> = {},
  ): Promise<EmbeddedLcm> {
    const root = workspaceRoot();
    const child = spawnServer(
      process.execPath,
      ['-r', '@swc-node/register', join(root, 'tools/embedded/main.ts')],
      {
        cwd: root,
        env: {
          ...process.env,
          ...FREE_PORTS,
          SWC_NODE_PROJECT: join(root, 'tsconfig.base.json'),
          LCM_DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
          ...env,
        },
      },
    );
    const output = captureOutput(child, 20_000);
    return new EmbeddedLcm(child, await awaitBanner(child, output), output);
  }

  /** Sends `signal` and resolves once the process is gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null)
      return;
    const exited = new Promise<void>((resolve) =>
      this.process.once('exit', () => resolve()),
    );
    this.process.kill(signal);
    await exited;
  }

  get api(): string {
    return this.banner.api;
  }

  async call(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; json: any; text: string }> {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.banner.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      text,
      json:
        /json/.test(response.headers.get('content-type') ?? '') && text
          ? JSON.parse(text)
          : undefined,
    };
  }

  /** Every item of a paged list, following the cursors. */
  async all(url: string): Promise<any[]> {
    const items: any[] = [];
    let cursor: string | null = null;
    do {
      const page = new URL(url);
      page.searchParams.set('limit', '500');
      if (cursor) page.searchParams.set('cursor', cursor);
      const reply = await this.call('GET', page.toString());
      if (reply.status !== 200)
        throw new Error(`GET ${page} -> ${reply.status} ${reply.text}`);
      items.push(...reply.json.items);
      cursor = reply.json.nextCursor;
    } while (cursor);
    return items;
  }
}

/** `npm start` itself (bootstrap, then the launcher), in its own process group, on free ports. */
export async function startWithNpm(
  dataDir: string,
): Promise<{ npm: ChildProcess; banner: Banner; output: () => string }> {
  const root = workspaceRoot();
  const npm = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...FREE_PORTS,
      LCM_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
  });
  const output = captureOutput(npm, 20_000);
  try {
    return { npm, banner: await awaitBanner(npm, output, 180_000), output };
  } catch (error) {
    killGroup(npm);
    throw error;
  }
}

/** Whether a process with this pid still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Cleans up after an npm-started LCM: its whole process group. */
export function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export async function gone(pid: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (alive(pid)) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`process ${pid} still runs ${timeoutMs} ms later`);
    await settle(50);
  }
  return Date.now() - started;
}
