import { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDocStore, type DocStore } from '@lcm/doc-store';
import {
  createInstance,
  instanceSpecOf,
  scheduleInstance,
  type LabletInstance,
  type LabletDefinition,
} from '@lcm/domain';
import { toOutboxEvents } from '@lcm/events';
import {
  HttpLabRuntime,
  HttpWorkerProvider,
  SimulatedFleetControl,
} from '@lcm/providers';
import { orderPendingQueue, placeInstance } from '@lcm/scheduling';
import {
  EtcdStateStore,
  InstanceStore,
  KeyLayout,
  WorkerStore,
  type OutboxEvent,
} from '@lcm/state-store';
import {
  captureOutput,
  describeWithServers,
  etcdEndpoints,
  freePort,
  mongoUriForDatabase,
  spawnServer,
  stopProcess,
  uniqueName,
  workspaceRoot,
} from '@lcm/testing';
import { labDefinition, personalTemplate } from './controller-harness';

/**
 * The built controller (`node dist/apps/controller/main.js`, from `nx build controller`) as separate
 * processes on real etcd and MongoDB, against the simulated cloud as a process of its own
 * (tools/sim-cloud), so a restarted controller sees the same VMs and labs. The test plays the
 * scheduler (placement) and the api (new instances).
 */
const ROOT = workspaceRoot();
const MAIN = join(ROOT, 'dist/apps/controller/main.js');
const SIM_CLOUD = join(ROOT, 'tools/sim-cloud/main.ts');
const REGION = 'it-region';

interface Proc {
  child: ChildProcess;
  output: () => string;
  url: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs: number,
  proc?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${proc ? `\n--- output ---\n${proc()}` : ''}`,
      );
    await sleep(50);
  }
}

/** Resolves with the first stdout line matching `pattern` (its first group). */
function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  output: () => string,
  timeoutMs = 20_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `no line matching ${pattern} within ${timeoutMs} ms:\n${output()}`,
          ),
        ),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = pattern.exec(buffer);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `exited (${code ?? signal}) before printing ${pattern}:\n${output()}`,
        ),
      );
    });
  });
}

describeWithServers(['etcd', 'mongo'])(
  'the controller process, killed and restarted, on etcd, MongoDB and the simulated cloud',
  () => {
    const children = new Set<ChildProcess>();
    let store: EtcdStateStore;
    let docs: DocStore;
    let definition: LabletDefinition;
    let keys: KeyLayout;
    let instances: InstanceStore;
    let workers: WorkerStore;
    let mongoUri: string;
    let stateDir: string;

    beforeAll(async () => {
      if (!existsSync(MAIN))
        throw new Error(
          `${MAIN} is missing: build it first (npx nx build controller; the integration target does)`,
        );
      store = new EtcdStateStore({ endpoints: etcdEndpoints() });
      mongoUri = mongoUriForDatabase(uniqueName('controller_it'));
      docs = await openDocStore({ driver: 'mongo', uri: mongoUri });
      await docs.templates.create(personalTemplate({ region: REGION }));
      definition = await docs.definitions.create(labDefinition());
      stateDir = mkdtempSync(join(tmpdir(), 'lcm-controller-it-'));
    });

    afterAll(async () => {
      for (const child of children) await stopProcess(child, 'SIGKILL');
      await docs?.close();
      await store?.close();
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    });

    beforeEach(() => {
      keys = new KeyLayout(`/${uniqueName('controller_it')}`);
      instances = new InstanceStore(store, keys);
      workers = new WorkerStore(store, keys);
    });

    async function startSimCloud(
      env: Record<string, string> = {},
    ): Promise<Proc> {
      const child = spawnServer(
        process.execPath,
        ['-r', '@swc-node/register', SIM_CLOUD],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            SWC_NODE_PROJECT: join(ROOT, 'tsconfig.base.json'),
            SIM_PORT: '0',
            SIM_HOST: '127.0.0.1',
            SIM_PROFILE: 'fast',
            ...env,
          },
        },
      );
      children.add(child);
      const output = captureOutput(child);
      const url = await waitForLine(
        child,
        /"url":"(http:\/\/[^"]+)"/,
        output,
        30_000,
      );
      return { child, output, url };
    }

    async function startController(
      replicaId: string,
      providerUrl: string,
    ): Promise<Proc> {
      const port = await freePort();
      const child = spawnServer(process.execPath, [MAIN], {
        cwd: ROOT,
        env: {
          ...process.env,
          ETCD_ENDPOINTS: etcdEndpoints().join(','),
          ETCD_PREFIX: keys.prefix,
          MONGODB_URI: mongoUri,
          CONTROLLER_PORT: String(port),
          CONTROLLER_HOST: '127.0.0.1',
          CONTROLLER_REPLICA_ID: replicaId,
          CONTROLLER_LEADER_LEASE_TTL_SECONDS: '2',
          CONTROLLER_RECONCILE_INTERVAL_SECONDS: '1',
          CONTROLLER_REQUEUE_MILLISECONDS: '100',
          CONTROLLER_STATUS_SYNC_SECONDS: '1',
          PROVIDER: 'http',
          PROVIDER_URL: providerUrl,
          REGION,
          LOG_LEVEL: 'info',
        },
      });
      children.add(child);
      const output = captureOutput(child, 20_000);
      await waitForLine(
        child,
        /controller listening on (http:\/\/\S+?)"/,
        output,
      );
      return { child, output, url: `http://127.0.0.1:${port}` };
    }

    async function newInstance(id: string): Promise<LabletInstance> {
      const now = new Date().toISOString();
      const change = createInstance(
        {
          id,
          definitionId: definition.id,
          definitionName: definition.name,
          definitionVersion: definition.version,
          spec: instanceSpecOf(definition),
          ownerId: 'user-it',
          timeslotStart: now,
          timeslotEnd: new Date(Date.now() + 60 * 60_000).toISOString(),
        },
        { now, triggeredBy: 'user-it' },
      );
      await instances.commit(
        change,
        { instance: 'absent' },
        { events: toOutboxEvents(change.events, 'lcm/api') },
      );
      return change.instance;
    }

    /** The scheduler's part, once: every pending instance onto a running worker that fits. */
    async function place(): Promise<void> {
      const pending = (await instances.list()).items.filter(
        (i) => i.value.state === 'pending',
      );
      const views = (await workers.list()).items;
      for (const instance of orderPendingQueue(pending.map((p) => p.value))) {
        const decision = placeInstance(
          instance,
          views.map((v) => ({
            worker: v.worker.value,
            capacity: v.capacity.value,
            ports: v.ports.value,
          })),
        );
        if (decision.action !== 'assign') continue;
        const view = views.find((v) => v.worker.value.id === decision.workerId);
        const current = pending.find((p) => p.value.id === instance.id);
        if (!view || !current) continue;
        const change = scheduleInstance(
          instance,
          {
            worker: view.worker.value,
            capacity: view.capacity.value,
            ports: view.ports.value,
          },
          { now: new Date().toISOString(), triggeredBy: 'lcm/scheduler' },
        );
        await instances.commit(
          change,
          {
            instance: current.revision,
            capacity: view.capacity.revision,
            ports: view.ports.revision,
            workerState: view.worker.revision,
          },
          { events: toOutboxEvents(change.events, 'lcm/scheduler') },
        );
        return; // re-read before the next one
      }
    }

    async function events(subject: string): Promise<OutboxEvent[]> {
      const { kvs } = await store.list(keys.eventsPrefix);
      return kvs
        .sort((a, b) => a.modRevision - b.modRevision)
        .map((kv) => JSON.parse(kv.value) as OutboxEvent)
        .filter((e) => e.subject === subject);
    }

    it('killed mid-instantiation (lab imported, still starting) and restarted: no lab imported twice, the instance reaches running', async () => {
      const sim = await startSimCloud();
      const fleet = { baseUrl: sim.url, retries: 2 };
      const control = new SimulatedFleetControl(fleet);
      const runtime = new HttpLabRuntime(fleet);
      const provider = new HttpWorkerProvider(fleet);
      await control.setLatency({ labStartMs: 6_000 }); // a window to kill the controller in

      const first = await startController('ctl-first', sim.url);
      const instance = await newInstance('i-restart');
      // Scale-up (look-ahead: due now, no capacity), boot, placement, then instantiation begins.
      await until(
        'the instance instantiating with its lab imported',
        async () => {
          await place();
          const current = await instances.get(instance.id);
          if (
            current?.value.state !== 'instantiating' ||
            !current.value.workerId
          )
            return false;
          const host = (await workers.get(current.value.workerId))?.worker.value
            .hostname;
          return host
            ? (await runtime.listLabs(host)).some(
                (lab) => lab.idempotencyKey === instance.id,
              )
            : false;
        },
        30_000,
        first.output,
      );
      const leader = await store.get(keys.leader('controller'));
      expect(leader?.value).toBe('ctl-first');
      await stopProcess(first.child, 'SIGKILL');
      children.delete(first.child);

      const second = await startController('ctl-second', sim.url);
      await until(
        'the instance running',
        async () =>
          (await instances.get(instance.id))?.value.state === 'running',
        30_000,
        second.output,
      );
      expect((await store.get(keys.leader('controller')))?.value).toBe(
        'ctl-second',
      );

      const running = (await instances.require(instance.id)).value;
      const host =
        (await workers.require(running.workerId ?? '')).worker.value.hostname ??
        '';
      const labs = (await runtime.listLabs(host)).filter(
        (lab) => lab.idempotencyKey === instance.id,
      );
      expect(labs).toEqual([
        expect.objectContaining({ labId: running.cmlLabId, state: 'STARTED' }),
      ]);
      expect(await provider.listManaged()).toHaveLength(1);
      expect((await workers.list()).items).toHaveLength(1);
      const types = (await events(instance.id)).map(
        (e) => `${e.source} ${e.type}`,
      );
      expect(types).toEqual([
        'lcm/api lcm.lablet.instance.pending',
        'lcm/scheduler lcm.lablet.instance.scheduled',
        'lcm/controller lcm.lablet.instance.provisioning.started',
        'lcm/controller lcm.lablet.instance.running',
      ]);

      const status = (await (await fetch(`${second.url}/status`)).json()) as {
        leader: boolean;
        replicaId: string;
      };
      expect(status).toMatchObject({ leader: true, replicaId: 'ctl-second' });
      const metrics = await (await fetch(`${second.url}/metrics`)).text();
      expect(metrics).toContain('lcm_leader{service="controller"} 1');
      expect(metrics).toContain(
        'lcm_lablet_instances_active{state="running",service="controller"} 1',
      );
      await stopProcess(second.child, 'SIGTERM');
      children.delete(second.child);
      await stopProcess(sim.child, 'SIGTERM');
    });

    it('a vanished worker seen by a standby-turned-leader: instances forced to terminated, ports and capacity released', async () => {
      const sim = await startSimCloud();
      const fleet = { baseUrl: sim.url, retries: 2 };
      const control = new SimulatedFleetControl(fleet);
      const a = await startController('ctl-a', sim.url);
      const b = await startController('ctl-b', sim.url);
      const instance = await newInstance('i-vanish');
      await until(
        'running',
        async () => (
          await place(),
          (await instances.get(instance.id))?.value.state === 'running'
        ),
        30_000,
        a.output,
      );
      const workerId =
        (await instances.require(instance.id)).value.workerId ?? '';
      // The leader goes away cleanly (its key is deleted), the standby leads at once.
      const leaderId = (await store.get(keys.leader('controller')))?.value;
      const [leader, standby] = leaderId === 'ctl-a' ? [a, b] : [b, a];
      await stopProcess(leader.child, 'SIGTERM');
      children.delete(leader.child);
      await control.vanish(
        (await workers.require(workerId)).worker.value.providerInstanceId ?? '',
      );
      await until(
        'terminated',
        async () =>
          (await instances.get(instance.id))?.value.state === 'terminated',
        20_000,
        standby.output,
      );
      const view = await workers.require(workerId);
      expect(view.worker.value.state).toBe('terminated');
      expect(view.ports.value).toEqual({});
      expect(view.capacity.value.allocated).toEqual({
        cpuCores: 0,
        memoryGb: 0,
        storageGb: 0,
        maxNodes: 0,
      });
      const types = (await events(instance.id)).map((e) => e.type);
      expect(types.slice(-2)).toEqual([
        'lcm.lablet.instance.terminated',
        'lcm.lablet.instance.owner.notified',
      ]);
      await stopProcess(standby.child, 'SIGTERM');
      children.delete(standby.child);
      await stopProcess(sim.child, 'SIGTERM');
    });

    it('the simulated cloud keeps its VMs and labs across its own restart (SIM_STATE_FILE)', async () => {
      const file = join(stateDir, 'sim.json');
      const one = await startSimCloud({ SIM_STATE_FILE: file });
      const provider = new HttpWorkerProvider({ baseUrl: one.url, retries: 0 });
      const vm = await provider.provision({
        idempotencyKey: 'w-kept',
        templateName: 'personal-standard',
        instanceType: 'm5zn.metal',
        amiPattern: 'CML-2.9.*',
        region: REGION,
        tags: {},
      });
      await stopProcess(one.child, 'SIGTERM');
      expect(one.child.exitCode).toBe(0);
      const two = await startSimCloud({ SIM_STATE_FILE: file });
      const again = new HttpWorkerProvider({ baseUrl: two.url, retries: 0 });
      expect((await again.describe(vm.id))?.tags['lcm:worker-id']).toBe(
        'w-kept',
      );
      expect(
        (
          await again.provision({
            idempotencyKey: 'w-kept',
            templateName: 'personal-standard',
            instanceType: 'm5zn.metal',
            amiPattern: 'CML-2.9.*',
            region: REGION,
            tags: {},
          })
        ).id,
      ).toBe(vm.id);
      await stopProcess(two.child, 'SIGTERM');
    });
  },
);
