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
  async function open(
    env: Record<string, string> = {},
    maxDurationMinutes = 120,
  ) {
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
          maxDurationMinutes,
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

  it('counts the bookings that overlap across days: a slot longer than a day, and one that started the day before', async () => {
    await open({}, 3 * 24 * 60);
    // Three days long: it overlaps a booking two days later.
    expect((await book(timeslot(60, 3 * 24 * 60))).status).toBe(201);
    const twoDaysOn = await book(timeslot(60 + 2 * 24 * 60, 60));
    expect(twoDaysOn.status).toBe(409);
    expect(twoDaysOn.json.demand).toMatchObject({ instances: 2 });
    // Twenty-three hours, starting a week ahead: a booking at its last hour (the next UTC day or
    // the same one) overlaps it.
    const week = 7 * 24 * 60;
    expect((await book(timeslot(week, 23 * 60))).status).toBe(201);
    const lastHour = await book(timeslot(week + 22 * 60, 60));
    expect(lastHour.status).toBe(409);
    expect(lastHour.json.demand).toMatchObject({ instances: 2 });
    // Right after it ends: no overlap.
    expect((await book(timeslot(week + 23 * 60, 60))).status).toBe(201);
  });

  it('lets a deployment turn the capacity check off (CAPACITY_ADMISSION=false)', async () => {
    await open({ CAPACITY_ADMISSION: 'false' });
    expect((await book(timeslot(60, 60))).status).toBe(201);
    expect((await book(timeslot(60, 60))).status).toBe(201);
  });
});
