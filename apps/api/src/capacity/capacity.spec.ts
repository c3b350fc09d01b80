import {
  addRunningWorker,
  ApiHarness,
  definitionBody,
  startTestApi,
} from '../../test/api-harness';

describe('GET /api/v1/capacity/forecast', () => {
  let h: ApiHarness;
  let manager: string;
  let definitionId: string;
  const HOUR = 60 * 60_000;
  // Whole hours from the next one: steps line up with the bookings.
  const base = Math.ceil(Date.now() / HOUR) * HOUR + HOUR;
  const at = (hours: number) => new Date(base + hours * HOUR).toISOString();

  beforeEach(async () => {
    h = await startTestApi({ env: { MAX_WORKERS: '2' } });
    manager = await h.token('manager', 'mona');
    // personal-standard (48 cpu) holds one of these (30 cpu) at a time.
    definitionId = (
      await h.call('POST', '/api/v1/definitions', {
        token: manager,
        body: definitionBody({
          resourceRequirements: {
            cpuCores: 30,
            memoryGb: 8,
            storageGb: 50,
            nestedVirt: true,
          },
        }),
      })
    ).json.id;
  });
  afterEach(() => h.close());

  const book = (timeslotStart: string, timeslotEnd: string) =>
    h.call('POST', '/api/v1/instances', {
      token: manager,
      body: { definitionId, timeslotStart, timeslotEnd },
    });
  const forecast = (query: string, token = manager) =>
    h.call('GET', `/api/v1/capacity/forecast${query}`, { token });

  it('gives per step the booked demand, the workers per template, the free capacity and the bookings at risk', async () => {
    await addRunningWorker(h, { templateName: 'personal-standard' });
    expect(
      (await book(new Date(base - HOUR + 10 * 60_000).toISOString(), at(1)))
        .status,
    ).toBe(201);
    expect((await book(at(1), at(2))).status).toBe(201);
    expect((await book(at(1), at(2))).status).toBe(201);
    const answer = await forecast(
      `?from=${encodeURIComponent(at(-1))}&to=${encodeURIComponent(at(2))}&step=60`,
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      from: at(-1),
      to: at(2),
      stepMinutes: 60,
      maxWorkers: 2,
    });
    expect(answer.json.steps).toHaveLength(3);
    const [first, second, third] = answer.json.steps;
    expect(first).toMatchObject({
      at: at(-1),
      demand: { instances: 1, cpuCores: 30, nodes: 2 },
      free: { cpuCores: 18 },
      atRisk: [],
    });
    expect(first.templates).toContainEqual({
      template: 'personal-standard',
      running: 1,
      unavailable: 0,
      starting: 0,
      needed: 1,
      planned: 0,
    });
    expect(second).toMatchObject({ demand: { instances: 1, cpuCores: 30 } });
    // Two at once need a second worker; it has time to start, so nothing is at risk.
    expect(third).toMatchObject({
      demand: { instances: 2, cpuCores: 60 },
      free: { cpuCores: -12 },
      atRisk: [],
    });
    expect(third.templates).toContainEqual({
      template: 'personal-standard',
      running: 1,
      unavailable: 0,
      starting: 0,
      needed: 2,
      planned: 1,
    });
  });

  it('counts a cordoned worker as no room: its bookings need a worker planned', async () => {
    const workerId = await addRunningWorker(h, {
      templateName: 'personal-standard',
    });
    expect((await book(at(1), at(2))).status).toBe(201);
    const admin = await h.token('admin', 'alice');
    expect(
      (
        await h.call('POST', `/api/v1/workers/${workerId}/cordon`, {
          token: admin,
        })
      ).status,
    ).toBe(200);
    const [step] = (
      await forecast(
        `?from=${encodeURIComponent(at(1))}&to=${encodeURIComponent(at(2))}&step=60`,
      )
    ).json.steps;
    expect(step.templates).toContainEqual({
      template: 'personal-standard',
      running: 1,
      unavailable: 1,
      starting: 0,
      needed: 1,
      planned: 1,
    });
    expect(step.free).toMatchObject({ cpuCores: -30 });
  });

  it('lists as at risk a booking that needs a new worker sooner than one can start', async () => {
    // Starts in 10 min: a new personal-standard worker takes 20 min + 15 min of instantiation.
    const soon = new Date(Date.now() + 10 * 60_000).toISOString();
    const id = (
      await book(soon, new Date(Date.parse(soon) + HOUR).toISOString())
    ).json.id;
    const [step] = (await forecast('?step=60')).json.steps;
    expect(step.atRisk).toEqual([
      {
        instanceId: id,
        timeslotStart: soon,
        reason:
          'needs a new personal-standard worker, which takes 20 min to start plus 15 min to instantiate',
      },
    ]);
  });

  it('is for admin and manager only', async () => {
    expect((await forecast('', await h.token('user', 'ulla'))).status).toBe(
      403,
    );
    expect((await forecast('', await h.token('admin', 'alice'))).status).toBe(
      200,
    );
  });

  it('refuses a range that ends before it starts (422, to) or has too many steps (422, step), and a bad step (400)', async () => {
    const reversed = await forecast(
      `?from=${encodeURIComponent(at(2))}&to=${encodeURIComponent(at(1))}`,
    );
    expect(reversed.status).toBe(422);
    expect(reversed.json.errors).toEqual([
      expect.objectContaining({ field: 'to' }),
    ]);
    const tooMany = await forecast(
      `?from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(24 * 365))}&step=1`,
    );
    expect(tooMany.status).toBe(422);
    expect(tooMany.json.errors).toEqual([
      expect.objectContaining({ field: 'step' }),
    ]);
    expect((await forecast('?step=0')).status).toBe(400);
  });
});
