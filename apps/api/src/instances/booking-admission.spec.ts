import { windowDemand } from './booking-admission';
import {
  ApiHarness,
  definitionBody,
  outboxEvents,
  startTestApi,
  timeslot,
} from '../../test/api-harness';

describe('admission against the calendar', () => {
  let h: ApiHarness;
  let user: string;
  let definitionId: string;
  /** 30 of personal-standard's 48 cores: two at once need two workers. */
  async function open(env: Record<string, string> = {}) {
    h = await startTestApi({ env: { MAX_WORKERS: '1', ...env } });
    const admin = await h.token('admin', 'alice');
    user = await h.token('user', 'ulla');
    definitionId = (
      await h.call('POST', '/api/v1/definitions', {
        token: admin,
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
  }
  afterEach(() => h.close());

  const book = (slot: { timeslotStart: string; timeslotEnd: string }) =>
    h.call('POST', '/api/v1/instances', {
      token: user,
      body: { definitionId, ...slot },
    });
  const nothingChanged = async (before: number) => {
    expect(
      (await outboxEvents(h)).filter((e) =>
        e.type.startsWith('lcm.lablet.instance.'),
      ),
    ).toHaveLength(before);
    expect(
      (await h.call('GET', '/api/v1/instances', { token: user })).json.items,
    ).toHaveLength(before);
  };

  it('refuses a booking beyond BOOKING_HORIZON_DAYS with 422 naming timeslotStart, and changes nothing', async () => {
    await open({ BOOKING_HORIZON_DAYS: '30' });
    const far = await book(timeslot(31 * 24 * 60));
    expect(far.status).toBe(422);
    expect(far.headers.get('content-type')).toMatch(
      /application\/problem\+json/,
    );
    expect(far.json.errors).toEqual([
      {
        field: 'timeslotStart',
        message: expect.stringMatching(
          /more than BOOKING_HORIZON_DAYS \(30\) ahead/,
        ),
      },
    ]);
    expect(far.json.horizonDays).toBe(30);
    const year9999 = await book({
      timeslotStart: '9999-01-01T10:00:00.000Z',
      timeslotEnd: '9999-01-01T11:00:00.000Z',
    });
    expect(year9999.status).toBe(422);
    await nothingChanged(0);
    expect((await book(timeslot(29 * 24 * 60))).status).toBe(201);
  });

  it('refuses (409, with the figures) a booking whose window needs more workers than MAX_WORKERS, and admits one that does not overlap', async () => {
    await open();
    expect((await book(timeslot(60, 60))).status).toBe(201);
    const overlapping = await book(timeslot(90, 60));
    expect(overlapping.status).toBe(409);
    expect(overlapping.json).toMatchObject({
      type: 'urn:lcm:problem:conflict',
      maxWorkers: 1,
      demand: { instances: 2, cpuCores: 60, workersNeeded: 2 },
      errors: [{ field: 'timeslotStart' }],
    });
    expect(overlapping.json.detail).toMatch(
      /needs at least 2 workers, more than MAX_WORKERS \(1\)/,
    );
    await nothingChanged(1);
    expect((await book(timeslot(120, 60))).status).toBe(201);
  });

  it('lets a deployment turn the capacity check off (CAPACITY_ADMISSION=false)', async () => {
    await open({ CAPACITY_ADMISSION: 'false' });
    expect((await book(timeslot(60, 60))).status).toBe(201);
    expect((await book(timeslot(60, 60))).status).toBe(201);
  });
});

describe('windowDemand', () => {
  const spec = {
    requirements: {
      cpuCores: 30,
      memoryGb: 8,
      storageGb: 50,
      nestedVirt: true,
    },
    licenseAffinity: ['PERSONAL' as const],
    nodeCount: 2,
    ports: [],
    labYamlHash: `sha256:${'a'.repeat(64)}`,
    maxDurationMinutes: 240,
  };
  const at = (minutes: number) =>
    new Date(Date.UTC(2026, 0, 1, 10) + minutes * 60_000).toISOString();
  const slot = (from: number, to: number) => ({
    spec,
    timeslotStart: at(from),
    timeslotEnd: at(to),
  });
  const template = {
    name: 'personal-standard',
    licenseType: 'PERSONAL',
    capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 },
    maxNodes: 20,
    amiPattern: 'CML-2.9.*',
    region: 'r',
    portRange: { start: 2000, end: 9999 },
    startupTimeMinutes: 20,
  } as unknown as Parameters<typeof windowDemand>[2][number];

  it('counts instances where they overlap each other, not all that touch the window, packed per worker', () => {
    // A and B both overlap the booking but not each other: the peak is 2 instances; 30 of 48 cpu
    // each, one per worker: 2 workers.
    const demand = windowDemand(
      slot(0, 120),
      [slot(0, 30), slot(60, 90), slot(120, 180)],
      [template],
      'r',
    );
    expect(demand).toMatchObject({
      instances: 2,
      cpuCores: 60,
      nodes: 4,
      workersNeeded: 2,
    });
  });

  it('packs labs that share a worker: three of 30 cpu need three workers, not ceil(90 / 48)', () => {
    expect(
      windowDemand(slot(0, 60), [slot(0, 60), slot(0, 60)], [template], 'r')
        .workersNeeded,
    ).toBe(3);
  });
});
