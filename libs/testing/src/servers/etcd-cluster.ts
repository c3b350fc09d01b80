import { ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureOutput, spawnServer, stopProcess } from './child-processes';
import { findOnPath } from './etcd-server';
import { freePort } from './free-port';
import { EtcdServer, waitFor } from './server-handle';

export interface EtcdClusterMember {
  name: string;
  /** Client URL of this member. */
  endpoint: string;
  running(): boolean;
  /** Kills the member (default SIGKILL), keeping its data: `restart()` brings it back into the cluster. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
}

export interface LocalEtcdCluster extends EtcdServer {
  members: EtcdClusterMember[];
  /** The member that leads the etcd cluster now (asked of the running members). */
  leader(): Promise<EtcdClusterMember>;
}

export interface EtcdClusterOptions {
  /** Number of members (default 3). */
  members?: number;
  binary?: string;
  /** etcd's --heartbeat-interval and --election-timeout (ms; etcd's defaults 100 and 1000). */
  heartbeatMs?: number;
  electionTimeoutMs?: number;
}

interface MemberPorts {
  name: string;
  client: string;
  peer: string;
}

/**
 * A local etcd cluster of several processes (default three) for fault tests: free ports, a
 * temporary data directory per member, every process killed with the test run (parent-death signal
 * and exit hook, as for a single server). Needs the `etcd` binary.
 */
export async function startLocalEtcdCluster(
  options: EtcdClusterOptions = {},
): Promise<LocalEtcdCluster> {
  const binary =
    options.binary ?? process.env['LCM_ETCD_BINARY'] ?? findOnPath('etcd');
  if (!binary)
    throw new Error('no `etcd` on PATH (run `npm run bootstrap` as root)');
  const size = options.members ?? 3;
  const version =
    execFileSync(binary, ['--version'])
      .toString()
      .match(/etcd Version: (\S+)/)?.[1] ?? 'unknown';
  // /dev/shm keeps fsync cheap: these are throwaway test servers.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const token = `lcm-cluster-${process.pid}-${Date.now()}`;

  for (let attempt = 1; ; attempt++) {
    const ports: MemberPorts[] = [];
    for (let i = 0; i < size; i++)
      ports.push({
        name: `m${i + 1}`,
        client: `http://127.0.0.1:${await freePort()}`,
        peer: `http://127.0.0.1:${await freePort()}`,
      });
    const initialCluster = ports.map((p) => `${p.name}=${p.peer}`).join(',');
    const dataDirs = ports.map((p) =>
      mkdtempSync(join(base, `lcm-etcd-${p.name}-`)),
    );
    const procs: ChildProcess[] = [];
    const outputs: (() => string)[] = [];
    const launch = (i: number, state: 'new' | 'existing') => {
      const p = ports[i];
      const args = [
        '--name',
        p.name,
        '--data-dir',
        dataDirs[i],
        '--listen-client-urls',
        p.client,
        '--advertise-client-urls',
        p.client,
        '--listen-peer-urls',
        p.peer,
        '--initial-advertise-peer-urls',
        p.peer,
        '--initial-cluster',
        initialCluster,
        '--initial-cluster-state',
        state,
        '--initial-cluster-token',
        token,
        '--heartbeat-interval',
        String(options.heartbeatMs ?? 100),
        '--election-timeout',
        String(options.electionTimeoutMs ?? 1000),
        '--logger',
        'zap',
        '--log-outputs',
        'stderr',
        '--log-level',
        'error',
      ];
      const setpriv = findOnPath('setpriv');
      const proc = setpriv
        ? spawnServer(setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args])
        : spawnServer(binary, args);
      procs[i] = proc;
      outputs[i] = captureOutput(proc);
      return proc;
    };
    const removeData = () =>
      dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
    try {
      for (let i = 0; i < size; i++) launch(i, 'new');
      await Promise.all(
        ports.map((p, i) =>
          waitFor(
            `etcd member ${p.name} on ${p.client}`,
            () => healthy(p.client, procs[i], outputs[i]),
            30_000,
          ),
        ),
      );
    } catch (error) {
      await Promise.all(procs.map((proc) => stopProcess(proc, 'SIGKILL')));
      removeData();
      if (attempt < 3 && /address already in use/i.test(String(error)))
        continue;
      throw error;
    }

    const members: EtcdClusterMember[] = ports.map((p, i) => ({
      name: p.name,
      endpoint: p.client,
      running: () => procs[i].exitCode === null && procs[i].signalCode === null,
      kill: (signal: NodeJS.Signals = 'SIGKILL') =>
        stopProcess(procs[i], signal),
      restart: async () => {
        await stopProcess(procs[i], 'SIGKILL');
        launch(i, 'existing');
        await waitFor(
          `etcd member ${p.name} back on ${p.client}`,
          () => healthy(p.client, procs[i], outputs[i]),
          30_000,
        );
      },
    }));
    let stopped = false;
    return {
      source: 'local-binary',
      endpoints: ports.map((p) => p.client),
      version,
      members,
      description: `etcd ${version} cluster of ${size} local processes (${ports.map((p) => p.client).join(', ')})`,
      leader: () =>
        waitFor('the etcd leader', () => leaderOf(members), 10_000, 20),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await Promise.all(procs.map((proc) => stopProcess(proc)));
        removeData();
      },
    };
  }
}

async function healthy(
  endpoint: string,
  proc: ChildProcess,
  output: () => string,
): Promise<true | undefined> {
  if (proc.exitCode !== null || proc.signalCode !== null)
    throw new Error(
      `etcd exited (${proc.exitCode ?? proc.signalCode}): ${output()}`,
    );
  const res = await fetch(`${endpoint}/health`, {
    signal: AbortSignal.timeout(1000),
  });
  const body = (await res.json()) as { health?: string };
  return body.health === 'true' ? true : undefined;
}

/** The member whose id is the leader id its running peers report (etcd's maintenance status, via the JSON gateway). */
async function leaderOf(
  members: EtcdClusterMember[],
): Promise<EtcdClusterMember | undefined> {
  for (const member of members.filter((m) => m.running())) {
    try {
      const res = await fetch(`${member.endpoint}/v3/maintenance/status`, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.timeout(1000),
      });
      const status = (await res.json()) as {
        header?: { member_id?: string };
        leader?: string;
      };
      if (!status.leader || status.leader === '0') continue;
      if (status.header?.member_id === status.leader) return member;
    } catch {
      // this member does not answer: ask the next
    }
  }
  return undefined;
}
