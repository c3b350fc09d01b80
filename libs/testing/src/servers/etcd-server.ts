import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureOutput, spawnServer, stopProcess } from './child-processes';
import { containerRuntimeUnavailableReason } from './container-runtime';
import { freePort } from './free-port';
import { EtcdServer, ServerUnavailableError, waitFor } from './server-handle';

const ETCD_IMAGE =
  process.env['LCM_ETCD_IMAGE'] ?? 'quay.io/coreos/etcd:v3.5.17';

/**
 * An etcd for tests: ETCD_ENDPOINTS if set, else a container when a runtime answers, else the local
 * `etcd` binary on free ports with a temporary data directory.
 */
export async function startEtcd(): Promise<EtcdServer> {
  const reasons: string[] = [];
  const fromEnv = process.env['ETCD_ENDPOINTS'];
  if (fromEnv) {
    const endpoints = fromEnv
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const version = await waitFor(
      'etcd from ETCD_ENDPOINTS',
      () => etcdVersion(endpoints[0]),
      10_000,
    );
    return {
      source: 'environment',
      endpoints,
      version,
      description: `etcd ${version} (ETCD_ENDPOINTS=${fromEnv})`,
      stop: async () => undefined,
    };
  }
  const noContainers = await containerRuntimeUnavailableReason();
  if (noContainers === undefined) {
    try {
      return await startEtcdContainer();
    } catch (error) {
      reasons.push(`testcontainers: ${String(error)}`);
    }
  } else {
    reasons.push(`testcontainers: ${noContainers}`);
  }
  try {
    return await startLocalEtcd();
  } catch (error) {
    reasons.push(
      `local binary: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  throw new ServerUnavailableError('etcd', reasons);
}

async function startEtcdContainer(): Promise<EtcdServer> {
  const { EtcdContainer } = await import('@testcontainers/etcd');
  const container = await new EtcdContainer(ETCD_IMAGE).start();
  const endpoint = container.getClientEndpoint();
  const version = await waitFor(
    'etcd container',
    () => etcdVersion(endpoint),
    30_000,
  );
  return {
    source: 'testcontainers',
    endpoints: [endpoint],
    version,
    description: `etcd ${version} (container ${ETCD_IMAGE})`,
    stop: async () => void (await container.stop()),
  };
}

export interface LocalEtcdServer extends EtcdServer {
  dataDir: string;
  /** Kill the process (default SIGKILL) without removing its data: `restart()` brings it back on the same ports. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
}

/** A local etcd process that a test controls (kill, restart). Needs the `etcd` binary. */
export async function startLocalEtcd(
  options: { binary?: string } = {},
): Promise<LocalEtcdServer> {
  const binary =
    options.binary ?? process.env['LCM_ETCD_BINARY'] ?? findOnPath('etcd');
  if (!binary)
    throw new Error(
      'no `etcd` on PATH (run `npm run bootstrap` as root, or set ETCD_ENDPOINTS)',
    );
  // /dev/shm keeps fsync cheap: these are throwaway test servers.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dataDir = mkdtempSync(join(base, 'lcm-etcd-'));
  const version =
    execFileSync(binary, ['--version'])
      .toString()
      .match(/etcd Version: (\S+)/)?.[1] ?? 'unknown';

  let attempt = 0;
  for (;;) {
    attempt++;
    const clientPort = await freePort();
    const peerPort = await freePort();
    const start = () => launch(binary, dataDir, clientPort, peerPort);
    try {
      let proc = await start();
      const endpoint = `http://127.0.0.1:${clientPort}`;
      let stopped = false;
      return {
        source: 'local-binary',
        endpoints: [endpoint],
        version,
        dataDir,
        description: `etcd ${version} (local binary ${binary}, ${endpoint})`,
        kill: async (signal = 'SIGKILL') => stopProcess(proc, signal),
        restart: async () => {
          await stopProcess(proc, 'SIGKILL');
          proc = await start();
        },
        stop: async () => {
          if (stopped) return;
          stopped = true;
          await stopProcess(proc);
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      if (attempt >= 5 || !/address already in use/i.test(String(error))) {
        rmSync(dataDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

async function launch(
  binary: string,
  dataDir: string,
  clientPort: number,
  peerPort: number,
) {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name',
    'lcm-test',
    '--data-dir',
    dataDir,
    '--listen-client-urls',
    client,
    '--advertise-client-urls',
    client,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    `lcm-test=${peer}`,
    '--initial-cluster-state',
    'new',
    '--logger',
    'zap',
    '--log-outputs',
    'stderr',
    '--log-level',
    'error',
  ];
  // setpriv makes the kernel kill etcd if the test runner dies, even by SIGKILL.
  const setpriv = findOnPath('setpriv');
  const proc = setpriv
    ? spawnServer(setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args])
    : spawnServer(binary, args);
  const output = captureOutput(proc);
  const exited = new Promise<never>((_, reject) =>
    proc.once('exit', (code, signal) =>
      reject(
        new Error(
          `etcd exited (${code ?? signal}) before it was ready: ${output()}`,
        ),
      ),
    ),
  );
  await Promise.race([
    exited,
    waitFor(`etcd on ${client}`, () => etcdHealthy(client), 20_000),
  ]).catch(async (error) => {
    await stopProcess(proc, 'SIGKILL');
    throw error;
  });
  exited.catch(() => undefined);
  return proc;
}

async function etcdHealthy(endpoint: string): Promise<true | undefined> {
  const res = await fetch(`${endpoint}/health`, {
    signal: AbortSignal.timeout(1000),
  });
  const body = (await res.json()) as { health?: string };
  return body.health === 'true' ? true : undefined;
}

async function etcdVersion(endpoint: string): Promise<string | undefined> {
  const res = await fetch(`${endpoint}/version`, {
    signal: AbortSignal.timeout(1000),
  });
  const body = (await res.json()) as { etcdserver?: string };
  return body.etcdserver;
}

export function findOnPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}
