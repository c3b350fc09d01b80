/**
 * The resident memory of each LCM app as a process of its own, at a given fleet size: seeds
 * `workers` running workers and `instances` instances scheduled on them (10 per worker) straight
 * into etcd, starts api, scheduler, controller and audit-sink as separate Node processes on that
 * etcd and MongoDB, lets them load the state, and reads each process's VmRSS (now) and VmHWM (peak)
 * from /proc. The apps run as deployed: their webpack builds (`nx build`, cached when unchanged),
 * `node <the node flags of docker/Dockerfile's CMD> dist/apps/<app>/main.js`; BENCH_APPS_FROM=source
 * runs them from source through @swc-node/register instead (the transpiler then adds ~100 MB to
 * each process).
 */
import { ChildProcess, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  createInstance,
  createWorker,
  markWorkerRunning,
  scheduleInstance,
  startProvisioning,
  type InstanceSpec,
  type TransitionContext,
} from '@lcm/domain';
import {
  EtcdStateStore,
  InstanceStore,
  KeyLayout,
  WorkerStore,
} from '@lcm/state-store';
import type { SimulatedFleet } from '@lcm/providers';
import { captureOutput, spawnServer, stopProcess } from '@lcm/testing';
import { runConcurrent } from './bench-report';

export const APPS = ['api', 'scheduler', 'controller', 'audit-sink'] as const;
export type AppName = (typeof APPS)[number];

export interface AppMemory {
  app: AppName;
  rssMb: number;
  peakRssMb: number;
}

const SPEC: InstanceSpec = {
  requirements: { cpuCores: 4, memoryGb: 8, storageGb: 20, nestedVirt: true },
  licenseAffinity: ['PERSONAL'],
  nodeCount: 2,
  ports: [
    { name: 'serial_1', protocol: 'tcp' },
    { name: 'vnc_1', protocol: 'tcp' },
  ],
  labYamlHash: `sha256:${'0'.repeat(64)}`,
  maxDurationMinutes: 240,
} as InstanceSpec;

const ctx = (triggeredBy: string): TransitionContext => ({
  now: new Date().toISOString(),
  triggeredBy,
});

/**
 * Writes the fleet as the controller and scheduler would (without events: only the live state is
 * measured). With `dataPlane`, each worker's VM is provisioned there first and the worker records
 * name it, so a controller on that data plane (its snapshot as SIM_STATE_FILE) finds every worker's
 * VM running instead of terminating a fleet its cloud does not know.
 */
export async function seedFleet(
  endpoints: string[],
  prefix: string,
  workers: number,
  instances: number,
  dataPlane?: SimulatedFleet,
): Promise<void> {
  const store = new EtcdStateStore({ endpoints });
  const keys = new KeyLayout(prefix);
  const workerStore = new WorkerStore(store, keys);
  const instanceStore = new InstanceStore(store, keys);
  const perWorker = Math.ceil(instances / workers);
  try {
    await runConcurrent(workers, 16, async (w) => {
      const id = randomUUID();
      const created = createWorker(
        {
          id,
          name: `bench-${w}`,
          templateName: 'personal-standard',
          licenseType: 'PERSONAL',
          region: 'us-east-1',
          portRange: { start: 2000, end: 2099 },
          declaredCapacity: {
            cpuCores: 48,
            memoryGb: 192,
            storageGb: 500,
            maxNodes: 20,
          },
          drainTimeoutHours: 4,
          startupTimeMinutes: 20,
        },
        ctx('lcm/controller'),
      );
      await workerStore.commit(created, { worker: 'absent' }, { events: [] });
      const vm = dataPlane
        ? await dataPlane.provider.provision({
            idempotencyKey: id,
            templateName: 'personal-standard',
            instanceType: 'm5zn.metal',
            amiPattern: 'CML-2.9.*',
            region: 'us-east-1',
            tags: {},
          })
        : undefined;
      const running = vm
        ? await dataPlane?.provider.describe(vm.id)
        : undefined;
      let view = await workerStore.require(id);
      const provisioning = startProvisioning(
        view.worker.value,
        {
          providerInstanceId: vm?.id ?? `bench-${id}`,
          amiName: vm?.amiName ?? 'CML-2.9.1',
        },
        ctx('lcm/controller'),
      );
      await workerStore.commit(
        provisioning,
        { worker: view.worker.revision },
        { events: [] },
      );
      view = await workerStore.require(id);
      await workerStore.commit(
        markWorkerRunning(
          view.worker.value,
          { hostname: running?.hostname ?? `${id.slice(0, 8)}.bench` },
          ctx('lcm/controller'),
        ),
        { worker: view.worker.revision },
        { events: [] },
      );
      for (let i = 0; i < perWorker && w * perWorker + i < instances; i++) {
        const start = Date.now() + 24 * 3600_000;
        const pending = createInstance(
          {
            id: randomUUID(),
            definitionId: randomUUID(),
            definitionName: 'bench-lab',
            definitionVersion: '1.0.0',
            spec: SPEC,
            ownerId: `owner-${i % 50}`,
            timeslotStart: new Date(start).toISOString(),
            timeslotEnd: new Date(start + 3600_000).toISOString(),
          },
          ctx('bench'),
        );
        const worker = await workerStore.require(id);
        const placed = scheduleInstance(
          pending.instance,
          {
            worker: worker.worker.value,
            capacity: worker.capacity.value,
            ports: worker.ports.value,
          },
          ctx('lcm/scheduler'),
        );
        await instanceStore.commit(
          placed,
          {
            instance: 'absent',
            capacity: worker.capacity.revision,
            ports: worker.ports.revision,
          },
          { events: [] },
        );
      }
    });
  } finally {
    await store.close();
  }
}

function procMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

/**
 * The Node flags an app image runs with: those of the app stage's `CMD ["node", ..., "main.js"]` in
 * docker/Dockerfile (e.g. `--max-semi-space-size`), so the bench measures the apps as deployed.
 */
export function deployedNodeFlags(root: string): string[] {
  const dockerfile = readFileSync(join(root, 'docker/Dockerfile'), 'utf8');
  const cmd = /^CMD (\["node",.*"main\.js"\])$/m.exec(dockerfile);
  if (!cmd)
    throw new Error(
      'docker/Dockerfile has no CMD ["node", ..., "main.js"] line to take the apps\' node flags from',
    );
  const argv = JSON.parse(cmd[1]) as string[];
  return argv.slice(1, -1);
}

/** How the apps are started: built (default; builds them first) or from source, with the image's node flags. */
export function appCommand(root: string): (app: AppName) => string[] {
  const flags = deployedNodeFlags(root);
  if (process.env['BENCH_APPS_FROM'] === 'source')
    return (app) => [
      ...flags,
      '-r',
      '@swc-node/register',
      join(root, `apps/${app}/src/main.ts`),
    ];
  execFileSync(
    'npx',
    ['nx', 'run-many', '-t', 'build', '-p', APPS.join(','), '--parallel=1'],
    {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, NX_DAEMON: 'false' },
    },
  );
  return (app) => [...flags, join(root, `dist/apps/${app}/main.js`)];
}

/** The TCP port a process listens on (its listening socket's inode, looked up in /proc/net/tcp{,6}). */
function listeningPort(pid: number): number | undefined {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = (() => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })();
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(match[1]);
    }
    for (const table of ['tcp', 'tcp6']) {
      for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8')
        .split('\n')
        .slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local_address is fields[1] (hex ip:port), st fields[3] (0A = LISTEN), inode fields[9].
        if (fields[3] === '0A' && inodes.has(fields[9]))
          return parseInt(fields[1].split(':')[1], 16);
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** Waits until the app answers GET /healthz; returns its base URL. */
async function serving(
  app: AppName,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.pid === undefined)
      throw new Error(`${app} exited (${child.exitCode}):\n${output()}`);
    const port = listeningPort(child.pid);
    if (port !== undefined) {
      const url = `http://127.0.0.1:${port}`;
      const ok = await fetch(`${url}/healthz`).then(
        (res) => res.ok,
        () => false,
      );
      if (ok) return url;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${app} did not serve /healthz within ${timeoutMs} ms`);
}

/**
 * Starts the four apps as processes, waits until each serves (however long a busy machine makes the
 * start take), lets `warm` load what the app loads on first use, waits `settleMs` for them to load
 * the state and settle, reads their memory, stops them.
 */
export async function measureAppMemory(
  root: string,
  command: (app: AppName) => string[],
  env: Record<string, string>,
  settleMs: number,
  warm: (app: AppName, url: string) => Promise<void> = async () => undefined,
): Promise<AppMemory[]> {
  const children = new Map<
    AppName,
    { child: ChildProcess; output: () => string }
  >();
  try {
    for (const app of APPS) {
      const child = spawnServer(process.execPath, command(app), {
        cwd: root,
        env: {
          ...process.env,
          ...env,
          SWC_NODE_PROJECT: join(root, 'tsconfig.base.json'),
          PORT: '0',
          API_PORT: '0',
          SCHEDULER_PORT: '0',
          CONTROLLER_PORT: '0',
          AUDIT_SINK_PORT: '0',
        },
      });
      children.set(app, { child, output: captureOutput(child) });
    }
    for (const app of APPS) {
      const { child, output } = children.get(app) as {
        child: ChildProcess;
        output: () => string;
      };
      await warm(app, await serving(app, child, output, 180_000));
    }
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    return APPS.map((app) => {
      const { child, output } = children.get(app) as {
        child: ChildProcess;
        output: () => string;
      };
      if (child.exitCode !== null || child.pid === undefined)
        throw new Error(`${app} exited (${child.exitCode}):\n${output()}`);
      return {
        app,
        rssMb: procMb(child.pid, 'VmRSS'),
        peakRssMb: procMb(child.pid, 'VmHWM'),
      };
    });
  } finally {
    await Promise.all(
      [...children.values()].map(({ child }) => stopProcess(child)),
    );
  }
}
