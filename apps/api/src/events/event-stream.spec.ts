import { randomUUID } from 'node:crypto';
import { MemoryStateStore, OutboxEvent } from '@lcm/state-store';
import {
  ApiHarness,
  definitionBody,
  openStream,
  SseMessage,
  startTestApi,
  timeslot,
} from '../../test/api-harness';

/** Writes outbox events in one transaction (as a committed change does). */
async function emit(
  h: ApiHarness,
  ...events: { type: string; subject: string; data?: object }[]
): Promise<number> {
  const time = new Date().toISOString();
  const full: OutboxEvent[] = events.map((e) => ({
    specversion: '1.0',
    id: `${e.subject}:${randomUUID()}`,
    source: 'lcm/test',
    type: e.type,
    subject: e.subject,
    time,
    datacontenttype: 'application/json',
    data: e.data ?? {},
  }));
  const { revision } = await h.state.txn({
    compare: [],
    success: full.map((e) => ({
      type: 'put',
      key: h.keys.event(e.id),
      value: JSON.stringify(e),
    })),
  });
  return revision;
}

const eventsOf = (messages: SseMessage[]) =>
  messages.filter((m) => m.data !== undefined && m.event !== 'connected');
const summary = (messages: SseMessage[]) =>
  eventsOf(messages).map(
    (m) =>
      `${m.id ?? '-'} ${m.event} ${(JSON.parse(m.data ?? '{}') as OutboxEvent).subject}`,
  );

describe('GET /api/v1/events/stream (SSE of the outbox, docs/events.md#delivery)', () => {
  let h: ApiHarness;
  let viewer: string;
  beforeEach(async () => {
    h = await startTestApi({ env: { SSE_HEARTBEAT_SECONDS: '0.1' } });
    viewer = await h.token('viewer');
  });
  afterEach(() => h.close());

  it('streams events as they are written: id = revision, event = type, data = the CloudEvent; filters by type prefix and subject', async () => {
    const all = await openStream(`${h.url}/api/v1/events/stream`, viewer);
    const workers = await openStream(
      `${h.url}/api/v1/events/stream?type=lcm.worker.`,
      viewer,
    );
    const one = await openStream(
      `${h.url}/api/v1/events/stream?subject=i-2`,
      viewer,
    );
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toContain('text/event-stream');
    const r1 = await emit(h, {
      type: 'lcm.lablet.instance.pending',
      subject: 'i-1',
    });
    const r2 = await emit(h, { type: 'lcm.worker.pending', subject: 'w-1' });
    const r3 = await emit(h, {
      type: 'lcm.lablet.instance.pending',
      subject: 'i-2',
    });
    await all.waitFor((m) => eventsOf(m).length === 3);
    expect(summary(all.messages)).toEqual([
      `${r1} lcm.lablet.instance.pending i-1`,
      `${r2} lcm.worker.pending w-1`,
      `${r3} lcm.lablet.instance.pending i-2`,
    ]);
    await workers.waitFor((m) => eventsOf(m).length === 1);
    await one.waitFor((m) => eventsOf(m).length === 1);
    expect(summary(workers.messages)).toEqual([`${r2} lcm.worker.pending w-1`]);
    expect(summary(one.messages)).toEqual([
      `${r3} lcm.lablet.instance.pending i-2`,
    ]);
    [all, workers, one].forEach((c) => c.close());
  });

  it('sends the events of one transaction together; only the last carries the revision as its id', async () => {
    const client = await openStream(`${h.url}/api/v1/events/stream`, viewer);
    const revision = await emit(
      h,
      { type: 'lcm.lablet.instance.grading.completed', subject: 'i-1' },
      { type: 'lcm.lablet.instance.stopping', subject: 'i-1' },
    );
    await client.waitFor((m) => eventsOf(m).length === 2);
    expect(eventsOf(client.messages).map((m) => m.id)).toEqual([
      undefined,
      String(revision),
    ]);
    client.close();
  });

  it('resumes exactly after Last-Event-ID', async () => {
    const first = await openStream(`${h.url}/api/v1/events/stream`, viewer);
    await emit(h, { type: 'lcm.worker.pending', subject: 'w-1' });
    await first.waitFor((m) => eventsOf(m).length === 1);
    const lastId = eventsOf(first.messages)[0].id ?? '';
    first.close();
    const missed = await emit(h, {
      type: 'lcm.worker.running',
      subject: 'w-1',
    });
    const resumed = await openStream(`${h.url}/api/v1/events/stream`, viewer, {
      'last-event-id': lastId,
    });
    const live = await emit(h, { type: 'lcm.worker.draining', subject: 'w-1' });
    await resumed.waitFor((m) => eventsOf(m).length === 2);
    expect(summary(resumed.messages)).toEqual([
      `${missed} lcm.worker.running w-1`,
      `${live} lcm.worker.draining w-1`,
    ]);
    resumed.close();
  });

  it('re-lists the outbox when the history after Last-Event-ID was compacted', async () => {
    const before = await h.state.revision();
    const r1 = await emit(h, { type: 'lcm.worker.pending', subject: 'w-1' });
    const r2 = await emit(h, { type: 'lcm.worker.running', subject: 'w-1' });
    await h.state.txn({
      compare: [],
      success: [{ type: 'put', key: '/unrelated', value: 'x' }],
    });
    await h.state.compact(await h.state.revision());
    const resumed = await openStream(`${h.url}/api/v1/events/stream`, viewer, {
      'last-event-id': String(before),
    });
    await resumed.waitFor((m) => eventsOf(m).length === 2);
    const r3 = await emit(h, { type: 'lcm.worker.draining', subject: 'w-1' });
    await resumed.waitFor((m) => eventsOf(m).length === 3);
    expect(summary(resumed.messages)).toEqual([
      `${r1} lcm.worker.pending w-1`,
      `${r2} lcm.worker.running w-1`,
      `${r3} lcm.worker.draining w-1`,
    ]);
    resumed.close();
    expect(h.state).toBeInstanceOf(MemoryStateStore);
  });

  it('streams to a `user` only the events of its own instances (owner from the event, else from the instance record)', async () => {
    const admin = await h.token('admin', 'root');
    const definitionId = (
      await h.call('POST', '/api/v1/definitions', {
        token: admin,
        body: definitionBody(),
      })
    ).json.id as string;
    const reserve = async (owner: string) =>
      (
        await h.call('POST', '/api/v1/instances', {
          token: await h.token('user', owner),
          body: { definitionId, ...timeslot() },
        })
      ).json.id as string;
    // Created before the streams open: their owners are only known from the instance records.
    const older = await reserve('ulla');
    const others = await reserve('otto');
    const ulla = await openStream(
      `${h.url}/api/v1/events/stream`,
      await h.token('user', 'ulla'),
    );
    const all = await openStream(`${h.url}/api/v1/events/stream`, viewer);
    const r1 = await emit(
      h,
      { type: 'lcm.lablet.instance.running', subject: older },
      { type: 'lcm.lablet.instance.running', subject: others },
    );
    await emit(
      h,
      { type: 'lcm.worker.running', subject: 'w-1' },
      { type: 'lcm.lablet.definition.created', subject: definitionId },
    );
    const r3 = await emit(h, {
      type: 'lcm.lablet.instance.pending',
      subject: 'i-new',
      data: { ownerId: 'ulla' },
    });
    await emit(h, {
      type: 'lcm.lablet.instance.pending',
      subject: 'i-otto',
      data: { ownerId: 'otto' },
    });
    const r5 = await emit(
      h,
      { type: 'lcm.lablet.instance.scheduled', subject: 'i-new' },
      { type: 'lcm.lablet.instance.scheduled', subject: 'i-otto' },
    );
    await all.waitFor((m) => eventsOf(m).length === 8);
    await ulla.waitFor((m) => eventsOf(m).length === 3);
    expect(summary(ulla.messages)).toEqual([
      `${r1} lcm.lablet.instance.running ${older}`,
      `${r3} lcm.lablet.instance.pending i-new`,
      `${r5} lcm.lablet.instance.scheduled i-new`,
    ]);
    [ulla, all].forEach((c) => c.close());
  });

  it('sends a heartbeat comment every SSE_HEARTBEAT_SECONDS', async () => {
    const client = await openStream(`${h.url}/api/v1/events/stream`, viewer);
    await client.waitFor(
      (m) => m.filter((x) => x.comment?.startsWith('heartbeat')).length >= 2,
    );
    client.close();
  });

  it('refuses a Last-Event-ID that is not a revision (400)', async () => {
    const reply = await h.call('GET', '/api/v1/events/stream', {
      token: viewer,
      headers: { 'last-event-id': 'abc' },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.errors).toEqual([
      expect.objectContaining({ field: 'Last-Event-ID' }),
    ]);
  });

  it('tells every client and ends its stream when the api shuts down', async () => {
    const client = await openStream(`${h.url}/api/v1/events/stream`, viewer);
    await client.waitFor((m) => m.some((x) => x.event === 'connected'));
    const closing = h.close();
    await client.ended;
    await closing;
    expect(client.messages.at(-1)).toMatchObject({
      event: 'system.sse.shutdown',
    });
  });
});
