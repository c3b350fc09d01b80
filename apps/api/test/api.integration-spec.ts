import { randomUUID } from 'node:crypto';
import {
  describeWithServers,
  etcdEndpoints,
  mongoUriForDatabase,
  uniqueName,
} from '@lcm/testing';
import {
  addRunningWorker,
  ApiHarness,
  definitionBody,
  driveInstance,
  openStream,
  snapshotCounts,
  startTestApi,
  timeslot,
} from './api-harness';
import {
  buildBadInputCases,
  Caller,
  credentials,
  FIXTURE_MARKERS,
  Fixtures,
  prepareFixtures,
  resolveCase,
} from './bad-input-cases';
import { expectProblem, runBadInputCase } from './bad-input-runner';

/** The api as deployed: its own config reads ETCD_ENDPOINTS / ETCD_PREFIX / MONGODB_URI (unique per suite). */
function startOnServers(): Promise<ApiHarness> {
  return startTestApi({
    platformFromEnv: true,
    env: {
      ETCD_ENDPOINTS: etcdEndpoints().join(','),
      ETCD_PREFIX: `/${uniqueName('api')}`,
      MONGODB_URI: mongoUriForDatabase(uniqueName('api')),
    },
  });
}

describeWithServers(['etcd', 'mongo'])(
  'api on etcd and MongoDB wire protocol',
  () => {
    describe('happy paths', () => {
      let h: ApiHarness;
      beforeAll(async () => {
        h = await startOnServers();
      });
      afterAll(() => h.close());

      it('is ready on both stores and has seeded the worker templates', async () => {
        expect((await h.call('GET', '/readyz')).json).toMatchObject({
          status: 'ok',
          info: { etcd: { status: 'up' }, mongodb: { status: 'up' } },
        });
        const templates = await h.call('GET', '/api/v1/templates', {
          token: await h.token('viewer'),
        });
        expect(
          templates.json.items.map((t: { name: string }) => t.name),
        ).toEqual(['enterprise-large', 'personal-standard']);
      });

      it('runs a lablet from definition to graded result, streaming its events', async () => {
        const admin = await h.token('admin', 'alice');
        const user = await h.token('user', 'ulla');
        const service = await h.token('service', 'assessment-platform');
        const stream = await openStream(
          `${h.url}/api/v1/events/stream?type=lcm.lablet.`,
          await h.token('viewer'),
        );

        const definition = await h.call('POST', '/api/v1/definitions', {
          token: admin,
          body: definitionBody(),
        });
        expect(definition.status).toBe(201);
        expect(
          (
            await h.call('POST', '/api/v1/definitions', {
              token: admin,
              body: definitionBody(),
            })
          ).status,
        ).toBe(200);
        const created = await h.call('POST', '/api/v1/instances', {
          token: user,
          body: { definitionId: definition.json.id, ...timeslot() },
        });
        expect(created.status).toBe(201);
        const instanceId = created.json.id as string;
        expect(
          (
            await h.call('GET', `/api/v1/instances/${instanceId}`, {
              token: user,
            })
          ).json.state,
        ).toBe('pending');
        expect(
          (
            await h.call('GET', '/api/v1/instances?limit=10', { token: user })
          ).json.items.map((i: { id: string }) => i.id),
        ).toEqual([instanceId]);

        const workerId = await addRunningWorker(h);
        await driveInstance(h, instanceId, workerId, 'running');
        const capacity = await h.call(
          'GET',
          `/api/v1/workers/${workerId}/capacity`,
          { token: admin },
        );
        expect(capacity.json.allocated).toMatchObject({
          cpuCores: 4,
          maxNodes: 2,
        });
        expect(
          (
            await h.call('POST', `/api/v1/instances/${instanceId}/collect`, {
              token: user,
            })
          ).status,
        ).toBe(202);
        // The controller carries out the request; here the test plays it.
        await driveInstance(h, instanceId, workerId, 'collecting');

        const collected = {
          specversion: '1.0',
          id: randomUUID(),
          source: 'assessment-platform',
          type: 'assessment.collection.completed',
          data: { instanceId, collectionId: 'c-1', artifactsUri: 's3://a/c-1' },
        };
        const post = () =>
          h.call('POST', '/api/v1/events', {
            token: service,
            raw: JSON.stringify(collected),
            headers: { 'content-type': 'application/cloudevents+json' },
          });
        expect((await post()).json.outcome).toBe('applied');
        expect((await post()).json.outcome).toBe('duplicate');
        const marker = await h.state.get(
          h.keys.processed('assessment-platform', collected.id),
        );
        expect(marker?.lease).not.toBe('0');

        const graded = await h.call('POST', '/api/v1/events', {
          token: service,
          headers: {
            'content-type': 'application/json',
            'ce-specversion': '1.0',
            'ce-id': randomUUID(),
            'ce-source': 'grading-engine',
            'ce-type': 'assessment.grading.completed',
          },
          raw: JSON.stringify({
            instanceId,
            score: { total: 9, max: 10, breakdown: [] },
            passed: true,
          }),
        });
        expect(graded.json.outcome).toBe('applied');
        expect(
          (
            await h.call('GET', `/api/v1/instances/${instanceId}`, {
              token: user,
            })
          ).json,
        ).toMatchObject({
          state: 'stopping',
          gradingScore: { total: 9, passed: true },
        });

        await stream.waitFor(
          (m) => m.some((x) => x.event === 'lcm.lablet.instance.stopping'),
          10_000,
        );
        const types = stream.messages
          .filter((m) => m.event?.startsWith('lcm.'))
          .map((m) => m.event);
        expect(types).toEqual(
          expect.arrayContaining([
            'lcm.lablet.definition.created',
            'lcm.lablet.instance.pending',
            'lcm.lablet.instance.scheduled',
            'lcm.lablet.instance.running',
            'lcm.lablet.instance.grading.started',
            'lcm.lablet.instance.grading.completed',
            'lcm.lablet.instance.stopping',
          ]),
        );
        stream.close();
      });

      it('resumes the event stream after Last-Event-ID, re-listing the outbox when etcd compacted that history', async () => {
        const viewer = await h.token('viewer');
        const before = await h.state.revision();
        const put = async (type: string) => {
          const id = `it-${randomUUID()}`;
          const event = {
            specversion: '1.0',
            id,
            source: 'lcm/test',
            type,
            subject: 'w-it',
            time: new Date().toISOString(),
            datacontenttype: 'application/json',
            data: {},
          };
          return (
            await h.state.txn({
              compare: [],
              success: [
                {
                  type: 'put',
                  key: h.keys.event(id),
                  value: JSON.stringify(event),
                },
              ],
            })
          ).revision;
        };
        const r1 = await put('lcm.worker.pending');
        const r2 = await put('lcm.worker.running');
        await h.state.compact(r2);
        const resumed = await openStream(
          `${h.url}/api/v1/events/stream?subject=w-it`,
          viewer,
          { 'last-event-id': String(before) },
        );
        await resumed.waitFor(
          (m) =>
            m.filter((x) => x.event?.startsWith('lcm.worker.')).length === 2,
          10_000,
        );
        const r3 = await put('lcm.worker.draining');
        await resumed.waitFor(
          (m) =>
            m.filter((x) => x.event?.startsWith('lcm.worker.')).length === 3,
          10_000,
        );
        expect(
          resumed.messages
            .filter((x) => x.event?.startsWith('lcm.worker.'))
            .map((x) => `${x.id} ${x.event}`),
        ).toEqual([
          `${r1} lcm.worker.pending`,
          `${r2} lcm.worker.running`,
          `${r3} lcm.worker.draining`,
        ]);
        resumed.close();
      });

      it('manages templates and workers', async () => {
        const admin = await h.token('admin');
        const template = await h.call('POST', '/api/v1/templates', {
          token: admin,
          body: {
            name: 'it-template',
            instanceType: 'm5.large',
            capacity: { cpuCores: 8, memoryGb: 32, storageGb: 100 },
            licenseType: 'ENTERPRISE',
            maxNodes: 100,
            amiPattern: 'CML-2.9.*',
            region: 'us-east-1',
            startupTimeMinutes: 10,
            portRange: { start: 3000, end: 3999 },
            ec2: {
              amiOwner: 'self',
              subnetIds: ['subnet-0123456789abcdef0'],
              securityGroupIds: ['sg-0123456789abcdef0'],
              rootVolumeGb: 200,
              userData: '#cloud-config\n',
            },
          },
        });
        expect(template.status).toBe(201);
        // The EC2 settings round-trip through MongoDB.
        expect(
          (
            await h.call('GET', `/api/v1/templates/${template.json.id}`, {
              token: admin,
            })
          ).json.ec2,
        ).toEqual({
          amiOwner: 'self',
          subnetIds: ['subnet-0123456789abcdef0'],
          securityGroupIds: ['sg-0123456789abcdef0'],
          rootVolumeGb: 200,
          userData: '#cloud-config\n',
        });
        const worker = await h.call('POST', '/api/v1/workers', {
          token: admin,
          body: { templateName: 'it-template' },
        });
        expect(worker.status).toBe(201);
        // Nothing reported until the controller read its engine's licence.
        expect(worker.json).toMatchObject({
          licenseType: 'ENTERPRISE',
          reportedLicense: null,
        });
        expect(
          (
            await h.call('DELETE', `/api/v1/templates/${template.json.id}`, {
              token: admin,
            })
          ).status,
        ).toBe(409);
        expect(
          (
            await h.call('POST', `/api/v1/workers/${worker.json.id}/cordon`, {
              token: admin,
            })
          ).json.cordoned,
        ).toBe(true);
        expect(
          (
            await h.call(
              'POST',
              `/api/v1/workers/${worker.json.id}/terminate`,
              { token: admin },
            )
          ).json.requestedAction.action,
        ).toBe('terminate');
        expect(
          (
            await h.call('PUT', `/api/v1/templates/${template.json.id}`, {
              token: admin,
              body: { startupTimeMinutes: 15 },
            })
          ).json.startupTimeMinutes,
        ).toBe(15);
      });
    });

    describe('bad input (a slice of the unit table)', () => {
      const slice = buildBadInputCases(FIXTURE_MARKERS).filter(
        (_, i) => i % 4 === 0,
      );
      let h: ApiHarness;
      let fx: Fixtures;
      let callers: Record<Caller, string | undefined>;
      let baseline: Awaited<ReturnType<typeof snapshotCounts>>;
      beforeAll(async () => {
        h = await startOnServers();
        fx = await prepareFixtures(h);
        callers = await credentials(h);
        baseline = await snapshotCounts(h);
      });
      afterAll(() => h.close());

      it.each(slice.map((c) => [c.name, c.status, c] as const))(
        '%s -> %i, nothing changed',
        async (_name, _status, c) => {
          const resolved = resolveCase(c, fx);
          expectProblem(resolved, await runBadInputCase(h, resolved, callers));
          expect({ case: c.name, counts: await snapshotCounts(h) }).toEqual({
            case: c.name,
            counts: baseline,
          });
        },
      );
    });
  },
);
