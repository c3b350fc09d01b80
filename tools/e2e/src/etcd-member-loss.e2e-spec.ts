import {
  startLocalEtcdCluster,
  startMongo,
  until,
  type LocalEtcdCluster,
} from '@lcm/testing';
import { LcmClient } from './lcm-client';
import { Stack, type AppProcess } from './stack';

/**
 * LCM on a three-member etcd cluster, as deployed (api, audit-sink, two schedulers, two
 * controllers as processes, default lease TTLs and etcd timeouts): the member that leads etcd is
 * SIGKILLed while users keep requesting labs and the scheduler keeps placing them. No API write
 * fails, none waits beyond the stall budget, no LCM leader changes, and the port, placement and
 * audit invariants hold. Prints the longest stall.
 */

/** Users requesting labs at once, each one request after another. */
const LANES = 3;
/** Pause of each lane between two requests (steady, not a flood: about 10 requests a second). */
const PAUSE_MS = 250;
const BEFORE_KILL_MS = 4000;
/** Longer than the default lease TTL (10 s): a lease lost to the member loss would show. */
const AFTER_KILL_MS = 12_000;
/** ETCD_STALL_BUDGET_MS's default: how long a call may fail over before it reports the store unavailable. */
const STALL_BUDGET_MS = 8000;
const CPU_PER_INSTANCE = 4;

interface InstanceJson {
  id: string;
  state: string;
  workerId: string | null;
  allocatedPorts: Record<string, number> | null;
  stateHistory: { to: string }[];
}

interface Request {
  startedAt: number;
  ms: number;
  status: number | string;
}

interface LeaderSample {
  service: 'scheduler' | 'controller';
  at: number;
  /** `replica@leaderSince` of every replica that says it leads. */
  leaders: string[];
}

describe('LCM on a three-member etcd cluster: the etcd leader is killed under steady writes', () => {
  const stack = new Stack({
    REGION: 'us-east-1',
    RATE_LIMIT_PER_MINUTE: '1000000',
    CONTROLLER_RECONCILE_INTERVAL_SECONDS: '2',
    CONTROLLER_REQUEUE_MILLISECONDS: '200',
    CONTROLLER_STATUS_SYNC_SECONDS: '2',
    SCHEDULER_RECONCILE_INTERVAL_SECONDS: '5',
  });
  let cluster: LocalEtcdCluster;
  let api: AppProcess;
  let client: LcmClient;
  let audit: LcmClient;

  beforeAll(async () => {
    cluster = await startLocalEtcdCluster({ members: 3 });
    stack.etcd = cluster;
    stack.mongo = await startMongo();
    await stack.startDataPlane();
    api = await stack.startApp('api');
    const auditSink = await stack.startApp('audit-sink');
    await Promise.all(
      (['scheduler', 'scheduler', 'controller', 'controller'] as const).map(
        (app, i) => stack.startApp(app, `${app}-${(i % 2) + 1}`),
      ),
    );
    client = new LcmClient(api.url, stack.secret);
    audit = new LcmClient(auditSink.url, stack.secret);
  }, 120_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  it('no API write fails or stalls beyond the budget, no LCM leader flaps, ports, placements and the audit trail hold', async () => {
    const admin = await client.token('admin', 'cluster-admin');
    const auditor = await client.token('viewer', 'cluster-auditor');
    const user = await client.token('user', 'cluster-user');
    const definition = await client.call('POST', '/api/v1/definitions', {
      token: admin,
      body: {
        name: 'cluster-lab',
        labYaml:
          'lab:\n  title: cluster lab\nnodes:\n  - id: n0\n    label: router\n',
        resourceRequirements: {
          cpuCores: CPU_PER_INSTANCE,
          memoryGb: 8,
          storageGb: 50,
          nestedVirt: true,
        },
        licenseAffinity: ['PERSONAL'],
        nodeCount: 1,
        portTemplate: {
          ports: [
            { name: 'serial_1', protocol: 'tcp' },
            { name: 'vnc_1', protocol: 'tcp' },
          ],
        },
        maxDurationMinutes: 120,
      },
    });
    expect(definition.status).toBe(201);

    // Who leads, sampled from every replica's status (answered from memory, so also while etcd elects).
    const samples: LeaderSample[] = [];
    const unanswered: string[] = [];
    let sampling = true;
    const replicas = stack.apps.filter(
      (a) => a.name === 'scheduler' || a.name === 'controller',
    );
    const sampler = (async () => {
      while (sampling) {
        for (const service of ['scheduler', 'controller'] as const) {
          const path =
            service === 'scheduler' ? '/scheduler/status' : '/status';
          const statuses = await Promise.all(
            replicas
              .filter((r) => r.name === service)
              .map(async (r) => {
                const status = (await (
                  await fetch(`${r.url}${path}`, {
                    signal: AbortSignal.timeout(2000),
                  })
                ).json()) as { leader: boolean; leaderSince: string | null };
                return status.leader
                  ? `${r.replica}@${status.leaderSince}`
                  : undefined;
              }),
          ).catch((error: unknown) => String(error));
          // A status request that timed out on a loaded machine says nothing about leadership.
          if (typeof statuses === 'string')
            unanswered.push(`${service}: ${statuses}`);
          else
            samples.push({
              service,
              at: Date.now(),
              leaders: statuses.filter((s): s is string => s !== undefined),
            });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await until(
      () =>
        ['scheduler', 'controller'].every((s) =>
          samples.some((x) => x.service === s && x.leaders.length === 1),
        ),
      30_000,
      'a scheduler and a controller leader',
    );

    // Steady writes: users requesting labs now, for an hour.
    const requests: Request[] = [];
    const created: string[] = [];
    let writing = true;
    const lanes = Array.from({ length: LANES }, async () => {
      while (writing) {
        const startedAt = Date.now();
        const start = new Date();
        const reply = await client
          .call('POST', '/api/v1/instances', {
            token: user,
            body: {
              definitionId: definition.json.id,
              timeslotStart: start.toISOString(),
              timeslotEnd: new Date(start.getTime() + 3_600_000).toISOString(),
            },
          })
          .catch((error: unknown) => ({
            status: String(error),
            json: undefined,
          }));
        requests.push({
          startedAt,
          ms: Date.now() - startedAt,
          status: reply.status,
        });
        if (reply.status === 201) created.push(reply.json.id);
        await new Promise((r) => setTimeout(r, PAUSE_MS));
      }
    });

    await new Promise((r) => setTimeout(r, BEFORE_KILL_MS));
    const victim = await cluster.leader();
    const placedBeforeKill = (
      await client.all<InstanceJson>('/api/v1/instances', admin)
    ).filter((i) => i.workerId).length;
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    const successor = await cluster.leader();
    const etcdElectedMs = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, AFTER_KILL_MS));
    writing = false;
    await Promise.all(lanes);

    // Every created instance gets placed (the scheduler kept working through the member loss).
    let instances: InstanceJson[] = [];
    await until(
      async () => {
        instances = (
          await client.all<InstanceJson>('/api/v1/instances', admin)
        ).filter((i) => created.includes(i.id));
        return (
          instances.length === created.length &&
          instances.every((i) => i.workerId !== null)
        );
      },
      60_000,
      'every instance placed',
      200,
      () =>
        `${instances.filter((i) => i.workerId).length} of ${created.length} placed`,
    );
    sampling = false;
    await sampler;

    const failed = requests.filter((r) => r.status !== 201);
    const longest = requests.reduce(
      (max, r) => (r.ms > max.ms ? r : max),
      requests[0],
    );
    const during = requests.filter(
      (r) => r.startedAt >= killedAt - 100 && r.startedAt <= killedAt + 3000,
    );
    const terms = (service: string) => [
      ...new Set(
        samples.filter((s) => s.service === service).flatMap((s) => s.leaders),
      ),
    ];
    console.log(
      `three-member etcd: leader ${victim.name} SIGKILLed (etcd elected ${successor.name}, seen ${etcdElectedMs} ms later) with ${placedBeforeKill} instances placed; ` +
        `${requests.length} POST /instances (${failed.length} failed), longest stall ${longest.ms} ms (started ${longest.startedAt - killedAt} ms after the kill), ` +
        `median during the 3 s after the kill ${median(during.map((r) => r.ms))} ms; LCM leader terms: scheduler ${terms('scheduler').join(' ')}, controller ${terms('controller').join(' ')} ` +
        `(${samples.length} status samples, ${unanswered.length} unanswered)`,
    );

    // No API write failed, none waited beyond the stall budget.
    expect(failed.map((r) => `${r.status} after ${r.ms} ms`)).toEqual([]);
    expect(longest.ms).toBeLessThan(STALL_BUDGET_MS);
    expect(successor.name).not.toBe(victim.name);
    expect(
      requests.filter((r) => r.startedAt > killedAt).length,
    ).toBeGreaterThan(0);

    // No LCM leader flapped: one term per service, seen by every sample from start to end.
    for (const service of ['scheduler', 'controller'] as const) {
      expect({ service, terms: terms(service) }).toEqual({
        service,
        terms: [expect.any(String)],
      });
      const ofService = samples.filter((s) => s.service === service);
      const firstLed = ofService.findIndex((s) => s.leaders.length === 1);
      expect({
        service,
        samplesWithoutOneLeader: ofService
          .slice(firstLed)
          .filter((s) => s.leaders.length !== 1).length,
      }).toEqual({ service, samplesWithoutOneLeader: 0 });
      // lcm_leader agrees: exactly that replica reports 1.
      const gauges = await Promise.all(
        replicas
          .filter((r) => r.name === service)
          .map(async (r) => ({
            replica: r.replica,
            leading: /^lcm_leader(\{[^}]*\})? 1$/m.test(
              await (await fetch(`${r.url}/metrics`)).text(),
            ),
          })),
      );
      expect(gauges.filter((g) => g.leading).map((g) => g.replica)).toEqual([
        terms(service)[0].split('@')[0],
      ]);
    }

    // Ports: no two instances hold one port of a worker.
    const holders = new Map<string, string>();
    const doubleBooked: string[] = [];
    for (const instance of instances) {
      for (const port of Object.values(instance.allocatedPorts ?? {})) {
        const key = `${instance.workerId}:${port}`;
        if (holders.has(key))
          doubleBooked.push(`${key}: ${holders.get(key)} and ${instance.id}`);
        holders.set(key, instance.id);
      }
    }
    expect(doubleBooked).toEqual([]);
    expect(holders.size).toBe(instances.length * 2);

    // Placement: each worker's allocation is exactly its instances' requirements, within its capacity.
    const byWorker = new Map<string, number>();
    for (const instance of instances)
      byWorker.set(
        instance.workerId as string,
        (byWorker.get(instance.workerId as string) ?? 0) + 1,
      );
    for (const [workerId, count] of byWorker) {
      const capacity = await client.call(
        'GET',
        `/api/v1/workers/${workerId}/capacity`,
        { token: admin },
      );
      expect(capacity.status).toBe(200);
      expect({
        workerId,
        allocated: capacity.json.allocated.cpuCores,
        fits: capacity.json.available.cpuCores >= 0,
      }).toEqual({ workerId, allocated: count * CPU_PER_INSTANCE, fits: true });
    }

    // Audit: every transition of every instance exactly once, and nothing about an instance that does not exist.
    const expected = new Map(
      instances.map((i) => [i.id, i.stateHistory.length]),
    );
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    let trail: { id: string; type: string; subject?: string }[] = [];
    await until(
      async () => {
        trail = (
          await audit.all<{ id: string; type: string; subject?: string }>(
            '/api/v1/audit/events?type=lcm.lablet.instance.',
            auditor,
          )
        ).filter((e) => !/provisioning\.retried|owner\.notified/.test(e.type));
        // Instances move on (instantiating, running) while we look: compare against a fresh read.
        instances = (
          await client.all<InstanceJson>('/api/v1/instances', admin)
        ).filter((i) => created.includes(i.id));
        for (const i of instances) expected.set(i.id, i.stateHistory.length);
        return (
          trail.length >= [...expected.values()].reduce((a, b) => a + b, 0)
        );
      },
      60_000,
      'the audit trail to hold every transition',
      200,
      () => `audit has ${trail.length}, expected at least ${total}`,
    );
    expect(new Set(trail.map((e) => e.id)).size).toBe(trail.length);
    expect(
      trail
        .filter((e) => !expected.has(e.subject ?? ''))
        .map((e) => `${e.type} ${e.subject}`),
    ).toEqual([]);
    for (const instance of instances) {
      const events = trail
        .filter((e) => e.subject === instance.id)
        .map((e) => e.type);
      expect({
        id: instance.id,
        events: events.length,
        pending: events.filter((t) => t.endsWith('.pending')).length,
        scheduled: events.filter((t) => t.endsWith('.scheduled')).length,
      }).toEqual({
        id: instance.id,
        events: instance.stateHistory.length,
        pending: 1,
        scheduled: 1,
      });
    }
    await victim.restart();
  }, 110_000);
});

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
