import { randomUUID } from 'node:crypto';
import { openStream, settle, until, type SseClient } from '@lcm/testing';
import { inParallel, LcmClient, type Reply } from './lcm-client';
import { Stack, type AppProcess } from './stack';

/**
 * The system as it is deployed: api, audit-sink, two schedulers and two controllers as separate
 * processes (`node dist/apps/<app>/main.js`) on real etcd and a MongoDB wire-protocol server, with
 * the simulated cloud as a process of its own. The test is every outside party at once, and only
 * uses the public HTTP API: users requesting labs and asking for collection, the assessment
 * platform and grading engine answering with CloudEvents, an operator killing leaders, an auditor
 * reading the trail and a dashboard following the SSE stream.
 */

const INSTANCES = Number(process.env['E2E_INSTANCES'] ?? 200);
const LEASE_TTL_SECONDS = 3;
const USERS = ['ana', 'bo', 'chen', 'dara'];

/** The instance states in order, with the event each transition into it records (docs/events.md#catalog). */
const EVENT_OF_STATE: Record<string, string> = {
  pending: 'lcm.lablet.instance.pending',
  scheduled: 'lcm.lablet.instance.scheduled',
  instantiating: 'lcm.lablet.instance.provisioning.started',
  running: 'lcm.lablet.instance.running',
  collecting: 'lcm.lablet.instance.collecting.started',
  grading: 'lcm.lablet.instance.grading.started',
  stopping: 'lcm.lablet.instance.stopping',
  stopped: 'lcm.lablet.instance.stopped',
  archived: 'lcm.lablet.instance.archived',
  terminated: 'lcm.lablet.instance.terminated',
};
const EVERY_STATE = Object.keys(EVENT_OF_STATE);
/** Informational events that are not transitions (a retried provisioning step, an owner notice). */
const NOT_TRANSITIONS = new Set([
  'lcm.lablet.instance.provisioning.retried',
  'lcm.lablet.instance.owner.notified',
]);

interface CloudEventJson {
  id: string;
  type: string;
  source: string;
  subject?: string;
  time: string;
  data: Record<string, unknown>;
}

interface InstanceJson {
  id: string;
  state: string;
  ownerId: string;
  workerId: string | null;
  allocatedPorts: Record<string, number> | null;
  gradingScore: { total: number; max: number; passed: boolean } | null;
  stateHistory: {
    from: string | null;
    to: string;
    at: string;
    triggeredBy: string;
  }[];
}

interface Takeover {
  service: string;
  killed: string;
  newLeader: string;
  ms: number;
}

const LAB_YAML = [
  'lab:',
  '  title: e2e lab',
  'nodes:',
  '  - id: n0',
  '    label: router',
  '    tags:',
  '      - serial:${PORT_SERIAL_1}',
  '  - id: n1',
  '    label: desktop',
  '    tags:',
  '      - vnc:${PORT_VNC_1}',
  '',
].join('\n');

describe(`LCM end to end: ${INSTANCES} lablets from request to terminated, four services as processes`, () => {
  const stack = new Stack({
    REGION: 'us-east-1',
    // One client plays every user here; a deployment keeps the default.
    RATE_LIMIT_PER_MINUTE: '1000000',
    SCHEDULER_LEADER_LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS),
    CONTROLLER_LEADER_LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS),
    CONTROLLER_RECONCILE_INTERVAL_SECONDS: '2',
    CONTROLLER_REQUEUE_MILLISECONDS: '200',
    CONTROLLER_STATUS_SYNC_SECONDS: '2',
    SCHEDULER_RECONCILE_INTERVAL_SECONDS: '5',
    SSE_HEARTBEAT_SECONDS: '5',
  });
  let api: AppProcess;
  let auditSink: AppProcess;
  let client: LcmClient;
  let audit: LcmClient;
  let admin: string;
  let viewer: string;
  let auditor: string;
  let stream: SseClient;
  let definitionId: string;
  const instanceIds: string[] = [];
  const takeovers: Takeover[] = [];

  beforeAll(async () => {
    await stack.startServers();
    await stack.startDataPlane();
    api = await stack.startApp('api');
    auditSink = await stack.startApp('audit-sink');
    for (const app of [
      'scheduler',
      'scheduler',
      'controller',
      'controller',
    ] as const)
      await stack.startApp(app);
    client = new LcmClient(api.url, stack.secret);
    audit = new LcmClient(auditSink.url, stack.secret);
    admin = await client.token('admin', 'e2e-admin');
    viewer = await client.token('viewer', 'e2e-dashboard');
    auditor = await client.token('viewer', 'e2e-auditor');
    // A dashboard following every change from the very start.
    stream = await openStream(`${api.url}/api/v1/events/stream`, viewer);
    expect(stream.status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    stream?.close();
    if (takeovers.length > 0)
      console.log(
        `leader takeovers after SIGKILL (lease TTL ${LEASE_TTL_SECONDS} s):\n${takeovers.map((t) => `  ${t.service}: ${t.killed} -> ${t.newLeader} in ${t.ms} ms`).join('\n')}`,
      );
    await stack.stop();
  }, 60_000);

  /**
   * The CloudEvents the dashboard has received so far (heartbeats and the hello left out), each with
   * its etcd revision. Events committed in one transaction share a revision and go out together;
   * only the last of them carries the `id:` (so a client resumes after the whole group).
   */
  function streamedEvents(): (CloudEventJson & { revision: number })[] {
    const events = stream.messages.filter(
      (m) => m.data !== undefined && m.event?.startsWith('lcm.'),
    );
    const result: (CloudEventJson & { revision: number })[] = [];
    let revision: number | undefined;
    // Backwards, so each event takes the id of the group it belongs to; a group still arriving is left out.
    for (let i = events.length - 1; i >= 0; i--) {
      if (events[i].id !== undefined) revision = Number(events[i].id);
      if (revision !== undefined)
        result.unshift({
          ...(JSON.parse(events[i].data as string) as CloudEventJson),
          revision,
        });
    }
    return result;
  }

  it('registers a lab definition', async () => {
    const created = await client.call('POST', '/api/v1/definitions', {
      token: admin,
      body: {
        name: 'e2e-lab',
        description: 'two nodes, three ports',
        labYaml: LAB_YAML,
        resourceRequirements: {
          cpuCores: 4,
          memoryGb: 8,
          storageGb: 50,
          nestedVirt: true,
        },
        licenseAffinity: ['PERSONAL'],
        nodeCount: 2,
        portTemplate: {
          ports: [
            { name: 'serial_1', protocol: 'tcp' },
            { name: 'vnc_1', protocol: 'tcp' },
            { name: 'api', protocol: 'tcp' },
          ],
        },
        maxDurationMinutes: 120,
      },
    });
    expect(created.status).toBe(201);
    definitionId = created.json.id;
  });

  it('refuses bad requests with problem details and changes nothing', async () => {
    await expectBadRequestsChangeNothing();
  });

  it(
    `runs ${INSTANCES} lablets through every state while the scheduler and controller leaders are killed`,
    async () => {
      const failures: string[] = [];
      const reacted = new Set<string>();
      const users = await Promise.all(
        USERS.map(async (name) => ({
          name,
          token: await client.token('user', name),
        })),
      );
      const assessment = await client.token('service', 'assessment-platform');
      const grading = await client.token('service', 'grading-engine');
      const ownerOf = new Map<string, string>();

      // The outside parties react to what the stream shows, as they would in production.
      const react = (event: CloudEventJson): Promise<Reply> | undefined => {
        const instanceId = event.subject as string;
        const owner = users.find((u) => u.name === ownerOf.get(instanceId));
        switch (event.type) {
          case 'lcm.lablet.instance.running':
            // The learner finishes and asks for their work to be collected.
            return (
              owner &&
              client.call('POST', `/api/v1/instances/${instanceId}/collect`, {
                token: owner.token,
              })
            );
          case 'lcm.lablet.instance.collecting.started':
            // The assessment platform, structured mode.
            return client.call('POST', '/api/v1/events', {
              token: assessment,
              headers: { 'content-type': 'application/cloudevents+json' },
              raw: JSON.stringify({
                specversion: '1.0',
                id: randomUUID(),
                source: 'assessment-platform',
                type: 'assessment.collection.completed',
                data: {
                  instanceId,
                  collectionId: `c-${instanceId}`,
                  artifactsUri: `s3://e2e/${instanceId}`,
                },
              }),
            });
          case 'lcm.lablet.instance.grading.started':
            // The grading engine, binary mode.
            return client.call('POST', '/api/v1/events', {
              token: grading,
              headers: {
                'content-type': 'application/json',
                'ce-specversion': '1.0',
                'ce-id': randomUUID(),
                'ce-source': 'grading-engine',
                'ce-type': 'assessment.grading.completed',
              },
              raw: JSON.stringify({
                instanceId,
                score: {
                  total: 8,
                  max: 10,
                  breakdown: [{ criterion: 'routing', points: 8, max: 10 }],
                },
                passed: true,
              }),
            });
          default:
            return undefined;
        }
      };
      let seen = 0;
      let reacting = true;
      const inFlight = new Set<Promise<void>>();
      const reactor = (async () => {
        while (reacting) {
          const messages = stream.messages;
          for (; seen < messages.length; seen++) {
            const m = messages[seen];
            if (
              m.data === undefined ||
              !m.event?.startsWith('lcm.lablet.instance.')
            )
              continue;
            const event = JSON.parse(m.data) as CloudEventJson;
            const key = `${event.type} ${event.subject}`;
            // The stream delivers each event once; reacting twice would be a test bug, not a system one.
            if (reacted.has(key) || !ownerOf.has(event.subject as string))
              continue;
            reacted.add(key);
            const reply = react(event);
            if (!reply) continue;
            const done = reply
              .then((r) => {
                // A request is accepted (202) for the controller to carry out; a CloudEvent is applied at once.
                const okay =
                  r.status === 202 &&
                  (event.type === 'lcm.lablet.instance.running' ||
                    r.json?.outcome === 'applied');
                if (!okay) failures.push(`${key}: ${r.status} ${r.text}`);
              })
              .catch(
                (error: unknown) =>
                  void failures.push(`${key}: ${String(error)}`),
              )
              .finally(() => inFlight.delete(done));
            inFlight.add(done);
          }
          await settle(20);
        }
      })();

      const counts = () => {
        const byType = new Map<string, number>();
        for (const e of streamedEvents())
          if (ownerOf.has(e.subject ?? ''))
            byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
        return byType;
      };
      const count = (type: string) =>
        counts().get(`lcm.lablet.instance.${type}`) ?? 0;
      const progress = () =>
        `progress: ${JSON.stringify(Object.fromEntries(counts()))}; failures: ${failures.slice(0, 5).join(' | ')}`;

      try {
        // Users request labs now (ASAP) for an hour, several at a time.
        await inParallel(
          Array.from({ length: INSTANCES }, (_, i) => USERS[i % USERS.length]),
          8,
          async (name) => {
            const user = users.find((u) => u.name === name) ?? users[0];
            const start = new Date();
            const reply = await client.call('POST', '/api/v1/instances', {
              token: user.token,
              body: {
                definitionId,
                timeslotStart: start.toISOString(),
                timeslotEnd: new Date(
                  start.getTime() + 60 * 60_000,
                ).toISOString(),
              },
            });
            if (reply.status !== 201)
              throw new Error(
                `POST /instances -> ${reply.status} ${reply.text}`,
              );
            expect(reply.json).toMatchObject({
              state: 'pending',
              ownerId: name,
              definitionId,
            });
            ownerOf.set(reply.json.id, name);
            instanceIds.push(reply.json.id);
          },
        );

        // Mid-run: a good part placed, most still waiting for workers that are being started.
        await until(
          () => count('scheduled') >= INSTANCES / 5,
          180_000,
          'a fifth of the instances scheduled',
          50,
          progress,
        );
        expect(count('terminated')).toBeLessThan(INSTANCES);
        console.log(`killing the scheduler leader at ${progress()}`);
        takeovers.push(await killLeader('scheduler', '/scheduler/status'));

        await until(
          () => count('running') >= (2 * INSTANCES) / 5,
          240_000,
          'two fifths of the instances running',
          50,
          progress,
        );
        expect(count('running')).toBeLessThan(INSTANCES);
        console.log(`killing the controller leader at ${progress()}`);
        takeovers.push(await killLeader('controller', '/status'));

        await until(
          () => count('terminated') >= INSTANCES || failures.length > 0,
          420_000,
          `all ${INSTANCES} instances terminated`,
          50,
          progress,
        );
        expect(failures).toEqual([]);
        // Nothing further arrives for them (a duplicate terminal event would show here).
        await settle(1000);
        expect(count('terminated')).toBe(INSTANCES);
      } finally {
        reacting = false;
        await reactor;
        await Promise.all([...inFlight]);
      }

      // The api tells the same story for every instance.
      const instances = (
        await client.all<InstanceJson>('/api/v1/instances', admin)
      ).filter((i) => ownerOf.has(i.id));
      expect(instances).toHaveLength(INSTANCES);
      for (const instance of instances) {
        expect({
          id: instance.id,
          state: instance.state,
          owner: instance.ownerId,
          score: instance.gradingScore,
        }).toEqual({
          id: instance.id,
          state: 'terminated',
          owner: ownerOf.get(instance.id),
          score: expect.objectContaining({ total: 8, max: 10, passed: true }),
        });
        // Every state of the lifecycle was visited, in order.
        const visited = instance.stateHistory.map((t) => t.to);
        expect({
          id: instance.id,
          visited: visited.filter(
            (state, i) =>
              state !== visited[i - 1] && !(state === 'pending' && i > 0),
          ),
        }).toEqual({ id: instance.id, visited: EVERY_STATE });
      }
      // Takeovers happened within the lease TTL plus a margin for a loaded machine (the scheduler's
      // failover suite holds the tight bound; this proves it under the whole system's load).
      for (const t of takeovers)
        expect({
          ...t,
          withinBound: t.ms <= (LEASE_TTL_SECONDS + 10) * 1000,
        }).toMatchObject({ withinBound: true });
    },
    15 * 60_000,
  );

  it('has an audit trail with every transition of every instance, exactly once', async () => {
    const instances = (
      await client.all<InstanceJson>('/api/v1/instances', admin)
    ).filter((i) => instanceIds.includes(i.id));
    const expected = new Map(instances.map((i) => [i.id, expectedEvents(i)]));
    const total = [...expected.values()].reduce(
      (n, types) => n + types.length,
      0,
    );
    let trail: CloudEventJson[] = [];
    // The audit-sink consumes the outbox asynchronously: wait until it has caught up.
    await until(
      async () => {
        trail = await audit.all<CloudEventJson>(
          '/api/v1/audit/events?type=lcm.lablet.instance.',
          auditor,
        );
        return (
          trail.filter((e) => !NOT_TRANSITIONS.has(e.type)).length >= total
        );
      },
      120_000,
      'the audit trail to hold every instance transition',
      50,
      () =>
        `audit has ${trail.length} instance events, expected ${total} transitions`,
    );
    expect(new Set(trail.map((e) => e.id)).size).toBe(trail.length);
    const actual = new Map<string, string[]>();
    for (const event of trail) {
      if (NOT_TRANSITIONS.has(event.type)) continue;
      actual.set(event.subject as string, [
        ...(actual.get(event.subject as string) ?? []),
        event.type,
      ]);
    }
    for (const [id, types] of expected)
      expect({ id, types: [...(actual.get(id) ?? [])].sort() }).toEqual({
        id,
        types: [...types].sort(),
      });
    expect([...actual.keys()].filter((id) => !expected.has(id))).toEqual([]);
  });

  it('streamed to the dashboard exactly the events in the audit trail, in commit order', async () => {
    const streamed = streamedEvents();
    let trail: CloudEventJson[] = [];
    await until(
      async () => {
        trail = await audit.all<CloudEventJson>(
          '/api/v1/audit/events?type=lcm.',
          auditor,
        );
        return trail.length >= streamed.length;
      },
      120_000,
      'the audit trail to hold every streamed event',
      50,
      () => `audit has ${trail.length} events, the stream ${streamed.length}`,
    );
    const project = (e: CloudEventJson) => ({
      id: e.id,
      type: e.type,
      source: e.source,
      subject: e.subject,
      time: e.time,
      data: e.data,
    });
    // The same events, each once, with the same content.
    expect(new Set(streamed.map((e) => e.id)).size).toBe(streamed.length);
    const byId = new Map(trail.map((e) => [e.id, project(e)]));
    expect(streamed.map((e) => e.id).sort()).toEqual([...byId.keys()].sort());
    for (const event of streamed)
      expect(project(event)).toEqual(byId.get(event.id));
    // In commit (etcd revision) order, so each instance's events come in the order of its history.
    const revisions = streamed.map((e) => e.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    for (const id of instanceIds) {
      const states = streamed
        .filter((e) => e.subject === id && !NOT_TRANSITIONS.has(e.type))
        .map((e) => e.type);
      expect({ id, first: states[0], last: states.at(-1) }).toEqual({
        id,
        first: 'lcm.lablet.instance.pending',
        last: 'lcm.lablet.instance.terminated',
      });
    }
  });

  it('never had two live instances on one port of a worker (ports held from scheduled to terminated)', () => {
    const streamed = streamedEvents();
    const held = new Map<
      string,
      { instance: string; from: number; to: number }[]
    >();
    for (const scheduled of streamed.filter(
      (e) => e.type === 'lcm.lablet.instance.scheduled',
    )) {
      const end = streamed.find(
        (e) =>
          e.subject === scheduled.subject &&
          e.type === 'lcm.lablet.instance.terminated' &&
          e.revision > scheduled.revision,
      );
      const data = scheduled.data as {
        workerId: string;
        allocatedPorts: Record<string, number>;
      };
      for (const port of Object.values(data.allocatedPorts)) {
        const key = `${data.workerId}:${port}`;
        held.set(key, [
          ...(held.get(key) ?? []),
          {
            instance: scheduled.subject as string,
            from: scheduled.revision,
            to: end?.revision ?? Infinity,
          },
        ]);
      }
    }
    // Three ports per instance; a port freed by a terminated lab is given out again (lowest free first).
    expect([...held.values()].reduce((n, uses) => n + uses.length, 0)).toBe(
      INSTANCES * 3,
    );
    const overlaps: string[] = [];
    for (const [key, uses] of held) {
      const sorted = [...uses].sort((a, b) => a.from - b.from);
      for (let i = 1; i < sorted.length; i++)
        if (sorted[i].from < sorted[i - 1].to)
          overlaps.push(
            `${key}: ${sorted[i - 1].instance} [${sorted[i - 1].from}, ${sorted[i - 1].to}) and ${sorted[i].instance} [${sorted[i].from}, ${sorted[i].to})`,
          );
    }
    expect(overlaps).toEqual([]);
  });

  it('refuses bad requests after the run and changes nothing', async () => {
    await expectBadRequestsChangeNothing(instanceIds[0]);
  });

  it('ran its workers on the data plane it was given (E2E_DATA_PLANE: EC2 in moto with CML, or the simulated cloud)', async () => {
    const workers = await client.all<{
      providerInstanceId: string | null;
      hostname: string | null;
      reportedLicense: Record<string, unknown> | null;
    }>('/api/v1/workers', admin);
    expect(workers.length).toBeGreaterThan(0);
    const launched = workers.filter((w) => w.providerInstanceId !== null);
    expect(launched.length).toBeGreaterThan(0);
    for (const worker of launched) {
      if (stack.dataPlane === 'aws') {
        expect(worker.providerInstanceId).toMatch(/^i-[0-9a-f]{17}$/);
        if (worker.hostname !== null)
          expect(worker.hostname).toMatch(/\.internal$/);
      } else {
        expect(worker.hostname ?? '.sim.lcm.internal').toMatch(
          /\.sim\.lcm\.internal$/,
        );
      }
    }
    // The licence each worker's lab engine reports: the CML emulator's (CML's licensing API, read
    // by the controller once the worker runs); the fleet protocol's engines cannot say.
    const reported = launched.filter((w) => w.reportedLicense !== null);
    if (stack.dataPlane === 'aws') {
      expect(reported.length).toBeGreaterThan(0);
      for (const worker of reported)
        expect(worker.reportedLicense).toEqual({
          licenseType: 'PERSONAL',
          status: 'REGISTERED',
          nodeLimit: 20,
          nodesInUse: expect.any(Number),
          detail: 'registration COMPLETED, authorization IN_COMPLIANCE',
          readAt: expect.any(String),
        });
    } else {
      expect(reported).toEqual([]);
    }
  });

  it('never wrote a credential or token to a log line, an event in the audit trail or the stream', async () => {
    const events = await audit.all<CloudEventJson>(
      '/api/v1/audit/events?type=lcm.',
      auditor,
    );
    const haystacks: [string, string][] = [
      ['logs', stack.logs.join('')],
      ['audit trail', JSON.stringify(events)],
      ['stream', stream.messages.map((m) => m.data ?? '').join('\n')],
    ];
    const secrets = [
      stack.secret,
      admin,
      viewer,
      auditor,
      ...Object.values(stack.secrets),
    ].filter((secret) => secret.length >= 8);
    expect(secrets.length).toBeGreaterThanOrEqual(
      stack.dataPlane === 'aws' ? 7 : 4,
    );
    for (const [where, text] of haystacks) {
      expect(text.length).toBeGreaterThan(0);
      for (const secret of secrets)
        expect({
          where,
          leaked: text.includes(secret) ? `${secret.slice(0, 4)}…` : null,
        }).toEqual({ where, leaked: null });
      // A bearer token or a password field of any origin (the CML tokens are the controller's own).
      expect({
        where,
        bearer: /Bearer\s+[\w.~+/-]{12,}/.exec(text)?.[0] ?? null,
      }).toEqual({ where, bearer: null });
      expect({
        where,
        password:
          /"?password"?\s*[:=]\s*"?[^"\s,}]{3,}/i.exec(text)?.[0] ?? null,
      }).toEqual({ where, password: null });
    }
  });

  it('asks for every worker a burst needs before the first of them is running (scale-up sized to demand)', async () => {
    // 40 of enterprise-large's 48 cores each: one lab per worker, so 4 labs need 4 new workers
    // (the run above started only personal-standard ones).
    const big = await client.call('POST', '/api/v1/definitions', {
      token: admin,
      body: {
        name: 'e2e-burst',
        description: 'one per worker',
        labYaml: LAB_YAML,
        resourceRequirements: {
          cpuCores: 40,
          memoryGb: 8,
          storageGb: 50,
          nestedVirt: true,
        },
        licenseAffinity: ['ENTERPRISE'],
        nodeCount: 2,
        portTemplate: {
          ports: [
            { name: 'serial_1', protocol: 'tcp' },
            { name: 'vnc_1', protocol: 'tcp' },
            { name: 'api', protocol: 'tcp' },
          ],
        },
        maxDurationMinutes: 120,
      },
    });
    expect({ status: big.status, detail: big.json.detail }).toEqual({
      status: 201,
      detail: undefined,
    });
    // Booked so that the four become due for a worker at the same moment, ten seconds from now
    // (the slot minus the template's start-up and the controller's default 15-minute instantiation
    // allowance): the controller wakes then and sees the whole burst. (Booked for now, they would
    // arrive one by one over a second or so, and a fast cloud runs the first worker before the
    // last lab even exists.)
    const templates = await client.call('GET', '/api/v1/templates?limit=100', {
      token: admin,
    });
    const enterprise = (
      templates.json.items as { name: string; startupTimeMinutes: number }[]
    ).find((t) => t.name === 'enterprise-large');
    expect(enterprise).toBeDefined();
    const leadMs = ((enterprise?.startupTimeMinutes ?? 0) + 15) * 60_000;
    const dueAt = Date.now() + 10_000;
    const slot = {
      timeslotStart: new Date(dueAt + leadMs).toISOString(),
      timeslotEnd: new Date(dueAt + leadMs + 60 * 60_000).toISOString(),
    };
    const burst = await Promise.all(
      Array.from({ length: 4 }, () =>
        client.call('POST', '/api/v1/instances', {
          token: admin,
          body: { definitionId: big.json.id, ...slot },
        }),
      ),
    );
    expect(burst.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(Date.now()).toBeLessThan(dueAt);
    const ids = burst.map((r) => r.json.id as string);
    const workerOf = (e: CloudEventJson) =>
      (e.data as { workerId?: string }).workerId;
    let requested: CloudEventJson[] = [];
    let running: CloudEventJson[] = [];
    await until(
      async () => {
        requested = (
          await audit.all<CloudEventJson>(
            '/api/v1/audit/events?type=lcm.scaling.up.requested',
            auditor,
          )
        ).filter(
          (e) =>
            (e.data as { template?: string }).template === 'enterprise-large',
        );
        running = (
          await audit.all<CloudEventJson>(
            '/api/v1/audit/events?type=lcm.worker.running',
            auditor,
          )
        ).filter((e) => requested.some((r) => workerOf(r) === workerOf(e)));
        return requested.length >= 4 && running.length >= 4;
      },
      60_000,
      'the burst scale-up in the audit trail',
    );
    expect(requested).toHaveLength(4);
    // In commit order (the audit trail's, oldest first here): every request before any running.
    const trail = (
      await audit.all<CloudEventJson>(
        `/api/v1/audit/events?type=lcm.&from=${encodeURIComponent(new Date(dueAt - 60_000).toISOString())}`,
        auditor,
      )
    ).reverse();
    const position = (e: CloudEventJson) =>
      trail.findIndex((t) => t.id === e.id && t.source === e.source);
    const lastRequest = Math.max(...requested.map(position));
    const firstRunning = Math.min(...running.map(position));
    expect(Math.min(...requested.map(position))).toBeGreaterThanOrEqual(0);
    expect(lastRequest).toBeLessThan(firstRunning);
    // Not needed until their slot: cancelled.
    for (const id of ids)
      expect(
        (
          await client.call('DELETE', `/api/v1/instances/${id}`, {
            token: admin,
          })
        ).status,
      ).toBeLessThan(300);
  });

  /** Kills the current leader of `service` with SIGKILL and waits for a standby to lead; restarts the killed replica. */
  async function killLeader(
    service: 'scheduler' | 'controller',
    statusPath: string,
  ): Promise<Takeover> {
    const replicas = stack.apps.filter((a) => a.name === service);
    const statuses = await Promise.all(
      replicas.map(async (r) => ({
        replica: r,
        status: (await (await fetch(`${r.url}${statusPath}`)).json()) as {
          leader: boolean;
        },
      })),
    );
    const leader = statuses.find((s) => s.status.leader)?.replica;
    if (!leader)
      throw new Error(
        `no ${service} leads: ${JSON.stringify(statuses.map((s) => s.status))}`,
      );
    const standby = replicas.find((r) => r !== leader);
    if (!standby) throw new Error(`no standby ${service} to take over`);
    const killedAt = Date.now();
    await stack.kill(leader, 'SIGKILL');
    await until(
      async () =>
        (
          (await (await fetch(`${standby.url}${statusPath}`)).json()) as {
            leader: boolean;
          }
        ).leader,
      (LEASE_TTL_SECONDS + 30) * 1000,
      `${standby.replica} to lead after ${leader.replica} was killed`,
      50,
      () => standby.output(),
    );
    const takeover = {
      service,
      killed: leader.replica,
      newLeader: standby.replica,
      ms: Date.now() - killedAt,
    };
    // As an orchestrator would: the killed replica comes back, as a standby.
    await stack.startApp(service, `${leader.replica}-restarted`);
    return takeover;
  }

  /**
   * Bad requests of every kind get problem details with the right status, and leave every
   * instance, definition, worker and the event history as they were.
   */
  async function expectBadRequestsChangeNothing(
    existingInstanceId?: string,
  ): Promise<void> {
    const user = await client.token('user', 'mallory');
    const before = await snapshot();
    const streamedBefore = streamedEvents().length;
    const unknown = randomUUID();
    const slot = {
      timeslotStart: new Date().toISOString(),
      timeslotEnd: new Date(Date.now() + 3_600_000).toISOString(),
    };
    const cases: {
      name: string;
      status: number;
      send: () => Promise<Reply>;
    }[] = [
      {
        name: 'no credentials',
        status: 401,
        send: () =>
          client.call('POST', '/api/v1/instances', {
            body: { definitionId, ...slot },
          }),
      },
      {
        name: 'a forged token',
        status: 401,
        send: () =>
          new LcmClient(api.url, 'not-the-deployment-secret-0123456789abcdef')
            .token('admin', 'eve')
            .then((token) =>
              client.call('POST', '/api/v1/definitions', { token, body: {} }),
            ),
      },
      {
        name: 'a viewer requesting a lab',
        status: 403,
        send: () =>
          client.call('POST', '/api/v1/instances', {
            token: viewer,
            body: { definitionId, ...slot },
          }),
      },
      {
        name: 'a user registering a definition',
        status: 403,
        send: () =>
          client.call('POST', '/api/v1/definitions', {
            token: user,
            body: { name: 'x' },
          }),
      },
      {
        name: 'malformed JSON',
        status: 400,
        send: () =>
          client.call('POST', '/api/v1/instances', {
            token: user,
            raw: '{"definitionId":',
            headers: { 'content-type': 'application/json' },
          }),
      },
      {
        name: 'a missing field',
        status: 400,
        send: () =>
          client.call('POST', '/api/v1/instances', {
            token: user,
            body: { definitionId },
          }),
      },
      {
        name: 'an unknown field',
        status: 400,
        send: () =>
          client.call('POST', '/api/v1/instances', {
            token: user,
            body: { definitionId, ...slot, admin: true },
          }),
      },
      {
        name: 'a timeslot ending before it starts',
        status: 422, // the domain's slot check answers, naming timeslotEnd
        send: () =>
          client.call('POST', '/api/v1/instances', {
            token: user,
            body: {
              definitionId,
              timeslotStart: slot.timeslotEnd,
              timeslotEnd: slot.timeslotStart,
            },
          }),
      },
      {
        name: 'an unknown definition',
        status: 422,
        send: () =>
          client.call('POST', '/api/v1/instances', {
            token: user,
            body: { definitionId: unknown, ...slot },
          }),
      },
      {
        name: 'an invalid definition',
        status: 400,
        send: () =>
          client.call('POST', '/api/v1/definitions', {
            token: admin,
            body: { name: 'bad', labYaml: LAB_YAML, nodeCount: -1 },
          }),
      },
      {
        name: 'collecting an unknown instance',
        status: 404,
        send: () =>
          client.call('POST', `/api/v1/instances/${unknown}/collect`, {
            token: admin,
          }),
      },
      {
        name: 'a malformed instance id',
        status: 400,
        send: () =>
          client.call('GET', '/api/v1/instances/not-a-uuid', { token: admin }),
      },
      {
        name: 'a CloudEvent without specversion',
        status: 400,
        send: () =>
          client.call('POST', '/api/v1/events', {
            token: admin,
            headers: { 'content-type': 'application/cloudevents+json' },
            raw: JSON.stringify({
              id: randomUUID(),
              source: 'x',
              type: 'assessment.collection.completed',
              data: {},
            }),
          }),
      },
      {
        name: 'a CloudEvent with invalid data',
        status: 400,
        send: () =>
          client.call('POST', '/api/v1/events', {
            token: admin,
            headers: { 'content-type': 'application/cloudevents+json' },
            raw: JSON.stringify({
              specversion: '1.0',
              id: randomUUID(),
              source: 'x',
              type: 'assessment.grading.completed',
              data: { instanceId: 42 },
            }),
          }),
      },
      {
        name: 'an audit query with a bad time',
        status: 400,
        send: () =>
          audit.call('GET', '/api/v1/audit/events?from=yesterday', {
            token: auditor,
          }),
      },
    ];
    if (existingInstanceId) {
      cases.push(
        {
          name: 'collecting a terminated instance',
          status: 409,
          send: () =>
            client.call(
              'POST',
              `/api/v1/instances/${existingInstanceId}/collect`,
              { token: admin },
            ),
        },
        {
          name: 'stopping a terminated instance',
          status: 409,
          send: () =>
            client.call(
              'POST',
              `/api/v1/instances/${existingInstanceId}/stop`,
              { token: admin },
            ),
        },
        {
          name: 'a grading result for a terminated instance',
          status: 409,
          send: () =>
            client.call('POST', '/api/v1/events', {
              token: admin,
              headers: { 'content-type': 'application/cloudevents+json' },
              raw: JSON.stringify({
                specversion: '1.0',
                id: randomUUID(),
                source: 'grading-engine',
                type: 'assessment.grading.completed',
                data: {
                  instanceId: existingInstanceId,
                  score: { total: 1, max: 10, breakdown: [] },
                  passed: false,
                },
              }),
            }),
        },
      );
    }
    const outcomes = [];
    for (const c of cases) {
      const reply = await c.send();
      outcomes.push({
        name: c.name,
        status: reply.status,
        problem:
          /application\/problem\+json/.test(reply.contentType) &&
          typeof reply.json?.title === 'string',
      });
    }
    expect(outcomes).toEqual(
      cases.map((c) => ({ name: c.name, status: c.status, problem: true })),
    );
    // Give any (wrong) effect the time to show up in the stream and the audit trail.
    await settle(1500);
    expect(await snapshot()).toEqual(before);
    expect(streamedEvents().length).toBe(streamedBefore);
  }

  /** What a client can see of the system's state: instances, definitions, workers and the audit count. */
  async function snapshot() {
    const instances = await client.all<
      InstanceJson & { resourceVersion: number }
    >('/api/v1/instances', admin);
    const definitions = await client.all<{ id: string; version: string }>(
      '/api/v1/definitions',
      admin,
    );
    const workers = await client.all<{
      id: string;
      state: string;
      cordoned?: boolean;
    }>('/api/v1/workers', admin);
    const trail = await audit.all<CloudEventJson>(
      '/api/v1/audit/events?type=lcm.',
      auditor,
    );
    return {
      instances: instances
        .map((i) => `${i.id} ${i.state} ${i.resourceVersion}`)
        .sort(),
      definitions: definitions.map((d) => `${d.id} ${d.version}`).sort(),
      workers: workers
        .map((w) => `${w.id} ${w.state} ${w.cordoned ?? ''}`)
        .sort(),
      auditEvents: trail.length,
    };
  }
});

/** The transition events an instance's history implies: one per transition, plus grading.completed on leaving grading. */
function expectedEvents(instance: InstanceJson): string[] {
  const types: string[] = [];
  for (const transition of instance.stateHistory) {
    if (transition.from === 'grading' && transition.to === 'stopping')
      types.push('lcm.lablet.instance.grading.completed');
    types.push(
      EVENT_OF_STATE[transition.to] ?? `unknown state ${transition.to}`,
    );
  }
  return types;
}
