import { Conflict, setPendingReason } from '@lcm/domain';
import {
  addRunningWorker,
  ApiHarness,
  definitionBody,
  driveInstance,
  LAB_YAML,
  outboxEvents,
  startTestApi,
  templateBody,
  timeslot,
} from '../../test/api-harness';
import { retryOnConflict } from '../repositories/conflict-retry';

describe('instances', () => {
  let h: ApiHarness;
  let admin: string;
  let user: string;
  let definitionId: string;
  beforeEach(async () => {
    h = await startTestApi();
    admin = await h.token('admin', 'alice');
    user = await h.token('user', 'ulla');
    definitionId = (
      await h.call('POST', '/api/v1/definitions', {
        token: admin,
        body: definitionBody(),
      })
    ).json.id;
  });
  afterEach(() => h.close());

  const reserve = (body: Record<string, unknown>, token = user) =>
    h.call('POST', '/api/v1/instances', {
      token,
      body: { definitionId, ...timeslot(), ...body },
    });

  it('admits a reservation as a pending instance owned by the caller, its pending event in the same transaction', async () => {
    const created = await reserve({ reservationId: 'exam-42' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      state: 'pending',
      ownerId: 'ulla',
      reservationId: 'exam-42',
      definitionId,
      definitionName: 'devasc-lab',
      definitionVersion: '1.0.0',
      workerId: null,
      pendingReason: null,
    });
    expect(created.json.spec).toMatchObject({
      nodeCount: 2,
      licenseAffinity: ['PERSONAL'],
      ports: [
        { name: 'serial_1', protocol: 'tcp' },
        { name: 'vnc_1', protocol: 'tcp' },
      ],
      maxDurationMinutes: 120,
    });
    const [event] = (await outboxEvents(h)).filter(
      (e) => e.type === 'lcm.lablet.instance.pending',
    );
    expect(event).toMatchObject({
      source: 'lcm/api',
      subject: created.json.id,
      revision: created.json.resourceVersion,
      data: { ownerId: 'ulla', reservationId: 'exam-42', newState: 'pending' },
    });
  });

  it('pins the latest non-deprecated version, or the one asked for; refuses deprecated ones (422)', async () => {
    const v2 = (
      await h.call('POST', '/api/v1/definitions', {
        token: admin,
        body: definitionBody({ labYaml: `${LAB_YAML}# 2\n` }),
      })
    ).json;
    expect((await reserve({})).json).toMatchObject({
      definitionVersion: '1.0.1',
      definitionId: v2.id,
    });
    expect((await reserve({ definitionVersion: '1.0.0' })).json).toMatchObject({
      definitionVersion: '1.0.0',
      definitionId,
    });
    await h.call('DELETE', `/api/v1/definitions/${v2.id}`, { token: admin });
    expect((await reserve({})).json.definitionVersion).toBe('1.0.0');
    const pinnedDeprecated = await reserve({ definitionVersion: '1.0.1' });
    expect(pinnedDeprecated.status).toBe(422);
    expect(pinnedDeprecated.json.errors).toEqual([
      expect.objectContaining({ field: 'definitionVersion' }),
    ]);
    await h.call('DELETE', `/api/v1/definitions/${definitionId}`, {
      token: admin,
    });
    const allDeprecated = await reserve({});
    expect(allDeprecated.status).toBe(422);
    expect(allDeprecated.json.detail).toMatch(/deprecated/);
    expect((await reserve({ definitionVersion: '3.0.0' })).status).toBe(422);
  });

  it('applies the timeslot rules: reversed 422 naming timeslotEnd (the domain check answers, not the DTO), longer than the definition allows 422, over 422, started already = ASAP', async () => {
    const now = Date.now();
    const at = (minutes: number) =>
      new Date(now + minutes * 60_000).toISOString();
    const reversed = await reserve({
      timeslotStart: at(60),
      timeslotEnd: at(30),
    });
    expect(reversed.status).toBe(422);
    expect(reversed.json.errors).toEqual([
      expect.objectContaining({
        field: 'timeslotEnd',
        message: expect.stringMatching(/after timeslotStart/),
      }),
    ]);
    const empty = await reserve({
      timeslotStart: at(60),
      timeslotEnd: at(60),
    });
    expect(empty.status).toBe(422);
    expect(empty.json.errors).toEqual([
      expect.objectContaining({ field: 'timeslotEnd' }),
    ]);
    expect(reversed.headers.get('content-type')).toContain(
      'application/problem+json',
    );
    // Refused: nothing was admitted.
    expect(
      (await h.call('GET', '/api/v1/instances', { token: user })).json.items,
    ).toEqual([]);
    const tooLong = await reserve({
      timeslotStart: at(0),
      timeslotEnd: at(121),
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.json.errors).toEqual([
      expect.objectContaining({ field: 'timeslotEnd' }),
    ]);
    expect(
      (await reserve({ timeslotStart: at(-90), timeslotEnd: at(-10) })).status,
    ).toBe(422);
    const asap = await reserve({ timeslotStart: at(-10), timeslotEnd: at(50) });
    expect(asap.status).toBe(201);
  });

  it('refuses what no worker template of the region could ever host (422 with the reasons), and admits it once one exists', async () => {
    const big = (
      await h.call('POST', '/api/v1/definitions', {
        token: admin,
        body: definitionBody({
          name: 'big-lab',
          resourceRequirements: {
            cpuCores: 64,
            memoryGb: 8,
            storageGb: 50,
            nestedVirt: true,
          },
        }),
      })
    ).json;
    const refused = await reserve({ definitionId: big.id });
    expect(refused.status).toBe(422);
    expect(refused.json.detail).toMatch(
      /no worker template could ever host.*too small \(cpu\)/,
    );
    expect(
      (
        await h.call('POST', '/api/v1/templates', {
          token: admin,
          body: templateBody({
            name: 'huge',
            capacity: { cpuCores: 96, memoryGb: 384, storageGb: 1000 },
          }),
        })
      ).status,
    ).toBe(201);
    expect((await reserve({ definitionId: big.id })).status).toBe(201);
  });

  it('lets only admin and manager reserve for another owner', async () => {
    const forOther = await reserve({ ownerId: 'someone-else' });
    expect(forOther.status).toBe(403);
    expect(forOther.json.errors).toEqual([
      expect.objectContaining({ field: 'ownerId' }),
    ]);
    const byManager = await reserve(
      { ownerId: 'someone-else' },
      await h.token('manager', 'mona'),
    );
    expect(byManager.status).toBe(201);
    expect(byManager.json.ownerId).toBe('someone-else');
  });

  it('shows a user only its own instances; viewers, managers and admins see all; filters and pages', async () => {
    const mine = await reserve({});
    const other = await reserve({ ownerId: 'olga' }, admin);
    const third = await reserve({ ownerId: 'olga' }, admin);
    const listed = await h.call('GET', '/api/v1/instances', { token: user });
    expect(listed.json.items.map((i: { id: string }) => i.id)).toEqual([
      mine.json.id,
    ]);
    expect(
      (await h.call('GET', '/api/v1/instances?ownerId=olga', { token: user }))
        .status,
    ).toBe(403);
    expect(
      (
        await h.call('GET', `/api/v1/instances/${other.json.id}`, {
          token: user,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await h.call('POST', `/api/v1/instances/${other.json.id}/stop`, {
          token: user,
        })
      ).status,
    ).toBe(404);
    const viewer = await h.token('viewer');
    const all = await h.call('GET', '/api/v1/instances', { token: viewer });
    expect(all.json.items.map((i: { id: string }) => i.id).sort()).toEqual(
      [third.json.id, other.json.id, mine.json.id].sort(),
    );
    expect(
      (
        await h.call('GET', '/api/v1/instances?ownerId=olga&state=pending', {
          token: viewer,
        })
      ).json.items,
    ).toHaveLength(2);
    expect(
      (
        await h.call('GET', '/api/v1/instances?state=running', {
          token: viewer,
        })
      ).json.items,
    ).toHaveLength(0);
    expect(
      (
        await h.call('GET', `/api/v1/instances?definitionId=${definitionId}`, {
          token: viewer,
        })
      ).json.items,
    ).toHaveLength(3);
    const first = await h.call('GET', '/api/v1/instances?limit=2', {
      token: viewer,
    });
    const rest = await h.call(
      'GET',
      `/api/v1/instances?limit=2&cursor=${first.json.nextCursor}`,
      { token: viewer },
    );
    expect(
      [...first.json.items, ...rest.json.items].map(
        (i: { id: string }) => i.id,
      ),
    ).toEqual(all.json.items.map((i: { id: string }) => i.id));
    expect(rest.json.nextCursor).toBeNull();
  });

  it('shows the scheduler’s explanation of a pending instance (pendingReason)', async () => {
    const created = await reserve({});
    const current = await h.instances.require(created.json.id);
    const change = setPendingReason(
      current.value,
      'no worker fits (1 worker: insufficient memory); scale up needed',
      { now: new Date().toISOString(), triggeredBy: 'lcm/scheduler' },
    );
    await h.instances.commit(
      change,
      { instance: current.revision },
      { events: [] },
    );
    const got = await h.call('GET', `/api/v1/instances/${created.json.id}`, {
      token: user,
    });
    expect(got.json.pendingReason).toBe(
      'no worker fits (1 worker: insufficient memory); scale up needed',
    );
  });

  it('answers get and list with the same JSON as the create (application/json), and a changed record anew', async () => {
    const created = await reserve({});
    const path = `/api/v1/instances/${created.json.id}`;
    const got = await h.call('GET', path, { token: user });
    expect(got.headers.get('content-type')).toBe(
      'application/json; charset=utf-8',
    );
    expect(got.json).toEqual(created.json);
    const listed = await h.call('GET', '/api/v1/instances', { token: user });
    expect(listed.headers.get('content-type')).toBe(
      'application/json; charset=utf-8',
    );
    expect(listed.json).toEqual({
      items: [created.json],
      nextCursor: null,
      resourceVersion: expect.any(Number),
    });
    expect(listed.json.resourceVersion).toBeGreaterThanOrEqual(
      created.json.resourceVersion,
    );
    // Served again after a change: the new record, not the JSON kept for the old one.
    const current = await h.instances.require(created.json.id);
    const { revision } = await h.instances.commit(
      setPendingReason(current.value, 'waiting for a worker', {
        now: new Date().toISOString(),
        triggeredBy: 'lcm/scheduler',
      }),
      { instance: current.revision },
      { events: [] },
    );
    const again = await h.call('GET', path, { token: user });
    expect(again.json).toMatchObject({
      pendingReason: 'waiting for a worker',
      resourceVersion: revision,
    });
    expect(
      (await h.call('GET', '/api/v1/instances', { token: user })).json.items,
    ).toEqual([again.json]);
  });

  it('terminates a pending instance at once on DELETE, with its terminated event', async () => {
    const created = await reserve({});
    const deleted = await h.call(
      'DELETE',
      `/api/v1/instances/${created.json.id}`,
      { token: user },
    );
    expect(deleted.status).toBe(202);
    expect(deleted.json).toMatchObject({
      state: 'terminated',
      stateReason: 'deleted',
    });
    expect(
      (await outboxEvents(h))
        .filter((e) => e.subject === created.json.id)
        .map((e) => e.type),
    ).toEqual([
      'lcm.lablet.instance.pending',
      'lcm.lablet.instance.terminated',
    ]);
    const again = await h.call(
      'DELETE',
      `/api/v1/instances/${created.json.id}`,
      { token: user },
    );
    expect(again.status).toBe(409);
    expect(again.json.type).toBe('urn:lcm:problem:invalid-transition');
  });

  it('accepts DELETE in every live state as a delete the controller carries out (202 with the request), and refuses it once terminated (409 naming the state)', async () => {
    const workerId = await addRunningWorker(h);
    for (const state of [
      'scheduled',
      'instantiating',
      'running',
      'collecting',
      'grading',
    ] as const) {
      const created = await reserve({});
      await driveInstance(h, created.json.id, workerId, state);
      const deleted = await h.call(
        'DELETE',
        `/api/v1/instances/${created.json.id}`,
        { token: user },
      );
      expect({ state, status: deleted.status }).toEqual({ state, status: 202 });
      expect(deleted.json).toMatchObject({
        state,
        requestedAction: { action: 'delete' },
      });
    }
    const pending = await reserve({});
    await h.call('DELETE', `/api/v1/instances/${pending.json.id}`, {
      token: user,
    });
    const refused = await h.call(
      'DELETE',
      `/api/v1/instances/${pending.json.id}`,
      { token: user },
    );
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain(
      'application/problem+json',
    );
    expect(refused.json).toMatchObject({
      type: 'urn:lcm:problem:invalid-transition',
      from: 'terminated',
      detail: expect.stringContaining('terminated'),
    });
  });

  it('records start, stop, collect and delete requests for the controller (202), and refuses them where the state does not allow (409)', async () => {
    const workerId = await addRunningWorker(h);
    const created = await reserve({});
    const path = `/api/v1/instances/${created.json.id}`;
    const stopPending = await h.call('POST', `${path}/stop`, { token: user });
    expect(stopPending.status).toBe(409);
    expect(stopPending.json).toMatchObject({
      type: 'urn:lcm:problem:invalid-transition',
      from: 'pending',
    });
    await driveInstance(h, created.json.id, workerId, 'running');
    expect(
      (await h.call('POST', `${path}/start`, { token: user })).status,
    ).toBe(409);
    const collect = await h.call('POST', `${path}/collect`, { token: user });
    expect(collect.status).toBe(202);
    expect(collect.json.requestedAction).toMatchObject({
      action: 'collect',
      requestedBy: 'ulla',
    });
    // Asking again changes nothing: no write.
    const revision = await h.state.revision();
    expect(
      (await h.call('POST', `${path}/collect`, { token: user })).status,
    ).toBe(202);
    expect(await h.state.revision()).toBe(revision);
    const stop = await h.call('POST', `${path}/stop`, { token: user });
    expect(stop.json.requestedAction.action).toBe('stop');
    const del = await h.call('DELETE', path, { token: user });
    expect(del.status).toBe(202);
    expect(del.json).toMatchObject({
      state: 'running',
      requestedAction: { action: 'delete' },
    });
  });

  it('re-reads and retries on a concurrent change instead of failing (optimistic concurrency)', async () => {
    const workerId = await addRunningWorker(h);
    const created = await reserve({});
    await driveInstance(h, created.json.id, workerId, 'running');
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        h.call(
          'POST',
          `/api/v1/instances/${created.json.id}/${i % 2 ? 'collect' : 'stop'}`,
          { token: user },
        ),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(202));
  });
});

describe('retryOnConflict', () => {
  it('runs again after a stale revision and gives up (the Conflict, 409) after the last attempt', async () => {
    let calls = 0;
    await expect(
      retryOnConflict(async () =>
        ++calls < 3
          ? Promise.reject(new Conflict('instance', 'i', 'stale'))
          : 'done',
      ),
    ).resolves.toBe('done');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw new Conflict('instance', 'i', 'stale');
      }, 4),
    ).rejects.toBeInstanceOf(Conflict);
    expect(calls).toBe(4);
    await expect(
      retryOnConflict(async () => {
        throw new Error('other');
      }),
    ).rejects.toThrow('other');
  });
});
