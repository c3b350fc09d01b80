import { randomUUID } from 'node:crypto';
import { MemoryStateStore } from '@lcm/state-store';
import {
  addRunningWorker,
  ApiHarness,
  definitionBody,
  driveInstance,
  DrivenState,
  outboxEvents,
  startTestApi,
  timeslot,
} from '../../test/api-harness';

describe('POST /api/v1/events (CloudEvents in, docs/api.md#cloudevents-in)', () => {
  let h: ApiHarness;
  let service: string;
  let workerId: string;
  let definitionId: string;
  beforeEach(async () => {
    h = await startTestApi();
    service = await h.token('service', 'assessment-platform');
    const admin = await h.token('admin');
    workerId = await addRunningWorker(h);
    definitionId = (
      await h.call('POST', '/api/v1/definitions', {
        token: admin,
        body: definitionBody(),
      })
    ).json.id;
  });
  afterEach(() => h.close());

  async function instanceIn(state: DrivenState): Promise<string> {
    const created = await h.call('POST', '/api/v1/instances', {
      token: await h.token('admin'),
      body: { definitionId, ...timeslot() },
    });
    await driveInstance(h, created.json.id, workerId, state);
    return created.json.id;
  }

  const collected = (instanceId: string, id = randomUUID()) => ({
    specversion: '1.0',
    id,
    source: 'assessment-platform',
    type: 'assessment.collection.completed',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      instanceId,
      collectionId: 'col-1',
      artifactsUri: 's3://artifacts/col-1',
      gradingEngineSessionId: 'ge-7',
    },
  });
  const structured = (event: object, token = service) =>
    h.call('POST', '/api/v1/events', {
      token,
      raw: JSON.stringify(event),
      headers: { 'content-type': 'application/cloudevents+json' },
    });

  it('applies assessment.collection.completed (collecting -> grading) once, with its dedup marker in the same transaction', async () => {
    const instanceId = await instanceIn('collecting');
    const event = collected(instanceId);
    const reply = await structured(event);
    expect(reply.status).toBe(202);
    expect(reply.json).toEqual({
      id: event.id,
      source: 'assessment-platform',
      type: 'assessment.collection.completed',
      outcome: 'applied',
    });
    const instance = await h.instances.require(instanceId);
    expect(instance.value).toMatchObject({
      state: 'grading',
      stateHistory: expect.arrayContaining([
        expect.objectContaining({
          from: 'collecting',
          to: 'grading',
          triggeredBy: 'assessment-platform',
        }),
      ]),
    });
    const started = (await outboxEvents(h)).find(
      (e) => e.type === 'lcm.lablet.instance.grading.started',
    );
    expect(started).toMatchObject({
      subject: instanceId,
      source: 'lcm/api',
      revision: instance.revision,
      data: {
        collectionId: 'col-1',
        artifactsUri: 's3://artifacts/col-1',
        gradingEngineSessionId: 'ge-7',
      },
    });
    const marker = await h.state.get(
      h.keys.processed('assessment-platform', event.id),
    );
    expect(marker).toMatchObject({ modRevision: instance.revision });
    expect(marker?.lease).not.toBe('0');

    // Re-delivered: acknowledged again, nothing changes.
    const revision = await h.state.revision();
    const again = await structured(event);
    expect(again.status).toBe(202);
    expect(again.json.outcome).toBe('duplicate');
    expect(await h.state.revision()).toBe(revision);
  });

  it('applies assessment.grading.completed in binary mode: the score (with passed) is stored, grading -> stopping', async () => {
    const instanceId = await instanceIn('grading');
    const id = randomUUID();
    const reply = await h.call('POST', '/api/v1/events', {
      token: service,
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': id,
        'ce-source': 'grading-engine',
        'ce-type': 'assessment.grading.completed',
        'ce-time': new Date().toISOString(),
      },
      raw: JSON.stringify({
        instanceId,
        score: {
          total: 42,
          max: 50,
          breakdown: [{ criterion: 'vlan', points: 42, max: 50 }],
        },
        passed: true,
      }),
    });
    expect(reply.status).toBe(202);
    expect(reply.json.outcome).toBe('applied');
    expect((await h.instances.require(instanceId)).value).toMatchObject({
      state: 'stopping',
      gradingScore: { total: 42, max: 50, passed: true },
    });
    expect(
      (await outboxEvents(h))
        .filter((e) => e.subject === instanceId)
        .slice(-2)
        .map((e) => e.type),
    ).toEqual([
      'lcm.lablet.instance.grading.completed',
      'lcm.lablet.instance.stopping',
    ]);
  });

  it('refuses an event that does not fit the instance’s state (409) and changes nothing', async () => {
    const instanceId = await instanceIn('running');
    const revision = await h.state.revision();
    const reply = await structured(collected(instanceId));
    expect(reply.status).toBe(409);
    expect(reply.json).toMatchObject({
      type: 'urn:lcm:problem:invalid-transition',
      from: 'running',
      to: 'grading',
    });
    expect(await h.state.revision()).toBe(revision);
    expect((await h.instances.require(instanceId)).value.state).toBe('running');
  });

  it('answers 404 for an instance it does not know, 400 for data that does not match the catalog, 202 `ignored` for unknown types', async () => {
    expect((await structured(collected(randomUUID()))).status).toBe(404);
    expect((await structured(collected('not-an-instance-id'))).status).toBe(
      404,
    );
    const bad = await structured({
      ...collected(randomUUID()),
      data: { instanceId: 'x', collectionId: 7 },
    });
    expect(bad.status).toBe(400);
    expect(
      bad.json.errors.map((e: { field: string }) => e.field).sort(),
    ).toEqual(['data.artifactsUri', 'data.collectionId']);
    const unknown = await structured({
      ...collected(randomUUID()),
      type: 'com.example.something.happened',
      data: { any: 'thing' },
    });
    expect(unknown.status).toBe(202);
    expect(unknown.json.outcome).toBe('ignored');
    const notConsumed = await structured({
      ...collected(randomUUID()),
      type: 'lcm.worker.running',
      data: {
        workerId: 'w',
        templateName: 't',
        previousState: 'provisioning',
        newState: 'running',
        timestamp: new Date().toISOString(),
        triggeredBy: 'x',
        reason: 'r',
        hostname: 'h',
      },
    });
    expect(notConsumed.json.outcome).toBe('ignored');
  });

  it('deduplicates on source + id: the same id from another source is another event', async () => {
    const instanceId = await instanceIn('collecting');
    const event = collected(instanceId);
    expect((await structured(event)).json.outcome).toBe('applied');
    const other = await structured({ ...event, source: 'another-platform' });
    expect(other.status).toBe(409);
  });

  it('keeps the dedup marker only for its lease (24 h by default)', async () => {
    const instanceId = await instanceIn('collecting');
    const event = collected(instanceId);
    await structured(event);
    const marker = await h.state.get(h.keys.processed(event.source, event.id));
    expect(marker).toBeDefined();
    (h.state as MemoryStateStore).expireLease(marker?.lease ?? '');
    expect(
      await h.state.get(h.keys.processed(event.source, event.id)),
    ).toBeUndefined();
    // A later marker gets a fresh lease.
    const second = await instanceIn('collecting');
    expect((await structured(collected(second))).json.outcome).toBe('applied');
  });
});
