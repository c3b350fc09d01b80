import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  capacityRequestOf,
  CAPACITY_DIMENSIONS,
  EVENT_TYPES,
  LabletInstance,
  WorkerCapacity,
} from '@lcm/domain';
import {
  EtcdStateStore,
  InstanceStore,
  KeyLayout,
  OutboxEvent,
  Watch,
  WorkerStore,
} from '@lcm/state-store';
import {
  captureOutput,
  describeWithServers,
  etcdEndpoints,
  mongoUriForDatabase,
  settle,
  uniqueName,
  until,
  workspaceRoot,
} from '@lcm/testing';
import {
  aSpec,
  seedPendingInstance,
  seedRunningWorker,
} from './scheduler-fixtures';

const INSTANCES = 1000;
const WORKERS = 40;
const LEASE_TTL_SECONDS = 3;
/** The leader is killed once this many instances are placed. */
const KILL_AFTER = 300;

interface Replica {
  id: string;
  child: ChildProcess;
  output: () => string;
}

describeWithServers(['etcd', 'mongo'])(
  'scheduler failover: two processes on real etcd, the leader killed mid-run',
  () => {
    const main = join(workspaceRoot(), 'dist/apps/scheduler/main.js');
    const replicas: Replica[] = [];
    const watches: Watch[] = [];
    let store: EtcdStateStore;
    let keys: KeyLayout;

    beforeAll(() => {
      if (!existsSync(main))
        throw new Error(
          `${main} is missing: run \`npx nx build scheduler\` (the integration target does)`,
        );
      store = new EtcdStateStore({ endpoints: etcdEndpoints() });
      keys = new KeyLayout(`/${uniqueName('sched_failover')}`);
    });

    afterAll(async () => {
      // Whatever happened, no scheduler process outlives the suite.
      await Promise.all(
        replicas.map(({ child }) => {
          if (child.exitCode !== null || child.signalCode !== null)
            return undefined;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          return exited;
        }),
      );
      await Promise.all(watches.map((w) => w.cancel()));
      await store?.close();
    });

    function startReplica(id: string, database: string): Replica {
      const child = spawn(process.execPath, [main], {
        env: {
          ...process.env,
          ETCD_ENDPOINTS: etcdEndpoints().join(','),
          ETCD_PREFIX: keys.prefix,
          MONGODB_URI: mongoUriForDatabase(database),
          SCHEDULER_REPLICA_ID: id,
          SCHEDULER_LEADER_LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS),
          SCHEDULER_RECONCILE_INTERVAL_SECONDS: '5',
          SCHEDULER_PORT: '0',
          SCHEDULER_HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const replica = { id, child, output: captureOutput(child) };
      replicas.push(replica);
      return replica;
    }

    const leaderId = async () =>
      (await store.get(keys.leader('scheduler')))?.value;

    it('places every instance exactly once, never gives a port twice nor overcommits a worker, and the standby takes over within the lease TTL + 2 s', async () => {
      const instances = new InstanceStore(store, keys);
      const workers = new WorkerStore(store, keys);
      // 40 workers of 40 nodes; an instance takes 1 node, 2 ports and a little of everything else.
      for (let w = 0; w < WORKERS; w += 10) {
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            seedRunningWorker(workers, `w${String(w + i).padStart(3, '0')}`, {
              capacity: {
                cpuCores: 64,
                memoryGb: 256,
                storageGb: 1000,
                maxNodes: 40,
              },
            }),
          ),
        );
      }
      const spec = aSpec({
        cpuCores: 1,
        memoryGb: 2,
        storageGb: 10,
        nodeCount: 1,
        portCount: 2,
      });

      // Every capacity record the run writes is checked as it happens, not only at the end.
      const overcommits: string[] = [];
      const scheduled = new Map<string, { count: number; revision: number }>();
      const from = (await store.revision()) + 1;
      watches.push(
        await store.watch(keys.workersPrefix, from, {
          onBatch: (batch) => {
            for (const { type, key, kv } of batch.events) {
              if (type !== 'put' || !key.endsWith('/capacity')) continue;
              const record = JSON.parse(kv.value) as {
                declared: WorkerCapacity;
                allocated: WorkerCapacity;
              };
              for (const d of CAPACITY_DIMENSIONS)
                if (record.allocated[d] > record.declared[d])
                  overcommits.push(`${key} ${d} at revision ${kv.modRevision}`);
            }
          },
          onCancelled: (error) =>
            overcommits.push(`watch cancelled: ${error.message}`),
        }),
        await store.watch(keys.eventsPrefix, from, {
          onBatch: (batch) => {
            for (const { type, kv } of batch.events) {
              if (type !== 'put') continue;
              const event = JSON.parse(kv.value) as OutboxEvent;
              if (
                event.type !== EVENT_TYPES.instanceScheduled ||
                !event.subject
              )
                continue;
              const seen = scheduled.get(event.subject);
              scheduled.set(event.subject, {
                count: (seen?.count ?? 0) + 1,
                revision: seen?.revision ?? kv.modRevision,
              });
            }
          },
          onCancelled: () => undefined,
        }),
      );

      // Two replicas; a leads (started first), b stands by.
      const database = uniqueName('sched_failover');
      const a = startReplica('sched-a', database);
      await until(
        async () => (await leaderId()) === 'sched-a',
        30_000,
        'sched-a leading',
      ).catch((error) => {
        throw new Error(`${String(error)}\nsched-a output:\n${a.output()}`);
      });
      const b = startReplica('sched-b', database);
      await settle(1500);
      expect(await leaderId()).toBe('sched-a');

      // 1,000 pending instances arrive as fast as etcd takes them: the leader works through a backlog
      // (placements in flight) when it is killed, and instances keep arriving during the outage.
      const ids = Array.from(
        { length: INSTANCES },
        (_, i) => `i${String(i).padStart(4, '0')}`,
      );
      const seeding = (async () => {
        for (let i = 0; i < INSTANCES; i += 50)
          await Promise.all(
            ids
              .slice(i, i + 50)
              .map((id) => seedPendingInstance(instances, id, { spec })),
          );
      })();

      await until(
        () => scheduled.size >= KILL_AFTER,
        30_000,
        `${KILL_AFTER} placements`,
      );
      const placedBeforeKill = scheduled.size;
      const killedAt = Date.now();
      a.child.kill('SIGKILL');
      const seededAtKill = (await instances.list()).items.length;

      // The standby takes over when a's lease expires.
      await until(
        async () => (await leaderId()) === 'sched-b',
        (LEASE_TTL_SECONDS + 10) * 1000,
        'sched-b leading',
        20,
      ).catch((error) => {
        throw new Error(`${String(error)}\nsched-b output:\n${b.output()}`);
      });
      const electedAt = Date.now();
      const electionRevision =
        (await store.get(keys.leader('scheduler')))?.createRevision ?? 0;
      await seeding;
      await until(
        () => scheduled.size === INSTANCES,
        60_000,
        'every instance placed',
      ).catch((error) => {
        throw new Error(`${String(error)}\nsched-b output:\n${b.output()}`);
      });
      const firstByB = Math.min(
        ...[...scheduled.values()]
          .filter((s) => s.revision > electionRevision)
          .map((s) => s.revision),
      );
      const placedByB = [...scheduled.values()].filter(
        (s) => s.revision > electionRevision,
      ).length;

      const takeoverMs = electedAt - killedAt;
      console.log(
        `failover: ${placedBeforeKill} placed (${seededAtKill} pending or placed) when the leader was killed; new leader elected ${takeoverMs} ms after SIGKILL (lease TTL ${LEASE_TTL_SECONDS} s); ` +
          `it placed ${placedByB} instances, the first at revision ${firstByB} (election at ${electionRevision}); all ${INSTANCES} placed ${Date.now() - killedAt} ms after the kill`,
      );
      expect(takeoverMs).toBeLessThanOrEqual((LEASE_TTL_SECONDS + 2) * 1000);
      expect(placedByB).toBeGreaterThan(0);

      // Exactly once: one scheduled event per instance, and every instance scheduled.
      expect([...scheduled.values()].filter((s) => s.count !== 1)).toEqual([]);
      const all = (await instances.list()).items.map((i) => i.value);
      expect(all).toHaveLength(INSTANCES);
      expect(
        all.filter((i) => i.state !== 'scheduled').map((i) => i.id),
      ).toEqual([]);

      // No port twice on a worker, capacity never above declared, and the ledgers agree with the instances.
      expect(overcommits).toEqual([]);
      const byWorker = new Map<string, LabletInstance[]>();
      for (const instance of all)
        byWorker.set(instance.workerId as string, [
          ...(byWorker.get(instance.workerId as string) ?? []),
          instance,
        ]);
      for (const view of (await workers.list()).items) {
        const placed = byWorker.get(view.worker.value.id) ?? [];
        const ports = placed.flatMap((i) =>
          Object.values(i.allocatedPorts ?? {}),
        );
        expect(new Set(ports).size).toBe(ports.length);
        expect(Object.keys(view.ports.value).sort()).toEqual(
          placed.map((i) => i.id).sort(),
        );
        for (const instance of placed)
          expect(view.ports.value[instance.id].ports).toEqual(
            instance.allocatedPorts,
          );
        for (const d of CAPACITY_DIMENSIONS) {
          const sum = placed.reduce(
            (total, i) => total + capacityRequestOf(i.spec)[d],
            0,
          );
          expect(view.capacity.value.allocated[d]).toBe(sum);
          expect(sum).toBeLessThanOrEqual(view.capacity.value.declared[d]);
        }
      }
    }, 180_000);
  },
);
