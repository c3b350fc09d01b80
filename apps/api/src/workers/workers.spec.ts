import type { WorkerCordonChangedData } from '@lcm/domain';
import {
  addRunningWorker,
  ApiHarness,
  definitionBody,
  driveInstance,
  outboxEvents,
  startTestApi,
  timeslot,
} from '../../test/api-harness';

describe('workers', () => {
  let h: ApiHarness;
  let admin: string;
  beforeEach(async () => {
    h = await startTestApi();
    admin = await h.token('admin', 'alice');
  });
  afterEach(() => h.close());

  it('creates a pending worker from a template (admin), with the template’s capacity and its two events', async () => {
    const created = await h.call('POST', '/api/v1/workers', {
      token: admin,
      body: { templateName: 'enterprise-large' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      state: 'pending',
      templateName: 'enterprise-large',
      licenseType: 'ENTERPRISE',
      region: 'us-east-1',
      portRange: { start: 2000, end: 9999 },
      createdBy: 'alice',
      cordoned: false,
    });
    expect(created.json.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.json.name).toBe(
      `enterprise-large-${created.json.id.slice(0, 8)}`,
    );
    const capacity = await h.call(
      'GET',
      `/api/v1/workers/${created.json.id}/capacity`,
      { token: admin },
    );
    expect(capacity.json).toEqual({
      workerId: created.json.id,
      declared: { cpuCores: 48, memoryGb: 192, storageGb: 500, maxNodes: 500 },
      allocated: { cpuCores: 0, memoryGb: 0, storageGb: 0, maxNodes: 0 },
      available: { cpuCores: 48, memoryGb: 192, storageGb: 500, maxNodes: 500 },
      portRange: { start: 2000, end: 9999 },
      availablePorts: 8000,
    });
    expect(
      (await outboxEvents(h))
        .filter((e) => e.subject === created.json.id)
        .map((e) => e.type),
    ).toEqual(['lcm.worker.pending', 'lcm.scaling.up.requested']);
    const unknown = await h.call('POST', '/api/v1/workers', {
      token: admin,
      body: { templateName: 'no-such-template' },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.json.errors).toEqual([
      expect.objectContaining({ field: 'templateName' }),
    ]);
  });

  it('reports capacity, port allocations and the instances placed on a worker', async () => {
    const workerId = await addRunningWorker(h);
    const definitionId = (
      await h.call('POST', '/api/v1/definitions', {
        token: admin,
        body: definitionBody(),
      })
    ).json.id;
    const instance = (
      await h.call('POST', '/api/v1/instances', {
        token: admin,
        body: { definitionId, ...timeslot() },
      })
    ).json;
    await driveInstance(h, instance.id, workerId, 'scheduled');
    const viewer = await h.token('viewer');
    const capacity = await h.call(
      'GET',
      `/api/v1/workers/${workerId}/capacity`,
      { token: viewer },
    );
    expect(capacity.json).toMatchObject({
      allocated: { cpuCores: 4, memoryGb: 8, storageGb: 50, maxNodes: 2 },
      available: { cpuCores: 44 },
      availablePorts: 98,
    });
    const ports = await h.call('GET', `/api/v1/workers/${workerId}/ports`, {
      token: viewer,
    });
    expect(ports.json).toEqual([
      {
        instanceId: instance.id,
        ports: { serial_1: 2000, vnc_1: 2001 },
        allocatedAt: expect.any(String),
      },
    ]);
    const placed = await h.call(
      'GET',
      `/api/v1/workers/${workerId}/instances`,
      { token: viewer },
    );
    expect(
      placed.json.items.map((i: { id: string; state: string }) => [
        i.id,
        i.state,
      ]),
    ).toEqual([[instance.id, 'scheduled']]);
    const listed = await h.call('GET', '/api/v1/workers?state=running', {
      token: viewer,
    });
    expect(listed.json.items.map((w: { id: string }) => w.id)).toEqual([
      workerId,
    ]);
    expect(
      (await h.call('GET', '/api/v1/workers?state=draining', { token: viewer }))
        .json.items,
    ).toEqual([]);
    expect(
      (await h.call('GET', `/api/v1/workers/${workerId}`, { token: viewer }))
        .json,
    ).toMatchObject({
      id: workerId,
      state: 'running',
      hostname: expect.any(String),
    });
  });

  it('records drain, cancel-drain, stop, start and terminate requests (202) where the state allows them, 409 where not', async () => {
    const workerId = await addRunningWorker(h);
    const path = `/api/v1/workers/${workerId}`;
    const cancel = await h.call('POST', `${path}/cancel-drain`, {
      token: admin,
    });
    expect(cancel.status).toBe(409);
    expect(cancel.json).toMatchObject({
      type: 'urn:lcm:problem:invalid-transition',
      from: 'running',
      to: 'running',
    });
    expect(
      (await h.call('POST', `${path}/start`, { token: admin })).status,
    ).toBe(409);
    const drain = await h.call('POST', `${path}/drain`, { token: admin });
    expect(drain.status).toBe(202);
    expect(drain.json.requestedAction).toMatchObject({
      action: 'drain',
      requestedBy: 'alice',
    });
    expect(
      (await h.call('POST', `${path}/stop`, { token: admin })).json
        .requestedAction.action,
    ).toBe('stop');
    expect(
      (await h.call('POST', `${path}/terminate`, { token: admin })).json
        .requestedAction.action,
    ).toBe('terminate');
  });

  it('cordons and uncordons (idempotent; each change is one event naming the admin)', async () => {
    const workerId = await addRunningWorker(h);
    const events = (await outboxEvents(h)).length;
    const cordoned = await h.call(
      'POST',
      `/api/v1/workers/${workerId}/cordon`,
      { token: admin },
    );
    expect(cordoned.status).toBe(200);
    expect(cordoned.json.cordoned).toBe(true);
    expect(
      (
        await h.call('POST', `/api/v1/workers/${workerId}/cordon`, {
          token: admin,
        })
      ).json.resourceVersion,
    ).toBe(cordoned.json.resourceVersion);
    expect(
      (
        await h.call('POST', `/api/v1/workers/${workerId}/uncordon`, {
          token: admin,
        })
      ).json.cordoned,
    ).toBe(false);
    const added = (await outboxEvents(h)).slice(events);
    expect(
      added.map((e) => {
        const data = e.data as WorkerCordonChangedData;
        return [e.type, e.subject, data.cordoned, data.triggeredBy];
      }),
    ).toEqual([
      ['lcm.worker.cordoned', workerId, true, 'alice'],
      ['lcm.worker.uncordoned', workerId, false, 'alice'],
    ]);
  });
});
