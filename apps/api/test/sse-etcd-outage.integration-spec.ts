import { buildScalingUpRequestedEvent } from '@lcm/domain';
import { toOutboxEvent } from '@lcm/events';
import { EtcdStateStore, KeyLayout } from '@lcm/state-store';
import {
  describeWithServers,
  findOnPath,
  mongoUriForDatabase,
  startLocalEtcd,
  uniqueName,
  type LocalEtcdServer,
} from '@lcm/testing';
import {
  openStream,
  startTestApi,
  type ApiHarness,
  type SseClient,
} from './api-harness';

const haveEtcdBinary = findOnPath('etcd') !== undefined;
if (!haveEtcdBinary && process.env['CI'] === 'true')
  throw new Error('CI needs the etcd binary to kill and restart a real etcd');
/** Long enough for an unbounded reconnect backoff to grow (etcd3's default then waited 2.7 s to 14 s here). */
const OUTAGE_MS = 15_000;

(haveEtcdBinary ? describeWithServers(['mongo']) : describe.skip)(
  'the SSE stream across an etcd outage (its own etcd process)',
  () => {
    let etcd: LocalEtcdServer;
    let h: ApiHarness;
    let stream: SseClient;
    const prefix = `/${uniqueName('sse-outage')}`;

    beforeAll(async () => {
      etcd = await startLocalEtcd();
      h = await startTestApi({
        platformFromEnv: true,
        env: {
          ETCD_ENDPOINTS: etcd.endpoints.join(','),
          ETCD_PREFIX: prefix,
          MONGODB_URI: mongoUriForDatabase(uniqueName('sse-outage')),
        },
      });
    }, 60_000);
    afterAll(async () => {
      stream?.close();
      await h?.close();
      await etcd?.stop();
    });

    /** Writes one outbox event with its own client (as another LCM service would), returning its id. */
    async function publish(requestKey: string): Promise<string> {
      const writer = new EtcdStateStore({ endpoints: etcd.endpoints });
      try {
        const event = toOutboxEvent(
          buildScalingUpRequestedEvent({
            template: 'personal-standard',
            reason: 'sse outage test',
            now: new Date().toISOString(),
            requestKey,
          }),
          'lcm/test',
        );
        await writer.txn({
          compare: [],
          success: [
            {
              type: 'put',
              key: new KeyLayout(prefix).event(event.id),
              value: JSON.stringify(event),
            },
          ],
        });
        return event.id;
      } finally {
        await writer.close();
      }
    }

    const received = (id: string) =>
      stream.messages.some((m) => m.data !== undefined && m.data.includes(id));

    it('catches up within 1 s of etcd answering again, missing nothing', async () => {
      stream = await openStream(
        `${h.url}/api/v1/events/stream?type=lcm.scaling.`,
        await h.token('viewer'),
      );
      expect(stream.status).toBe(200);
      const before = await publish('before');
      await stream.waitFor(() => received(before), 5000);

      await etcd.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      await etcd.restart();
      const returnedAt = Date.now();
      const after = await publish('after');
      while (!received(after) && Date.now() - returnedAt < 30_000)
        await new Promise((r) => setTimeout(r, 10));
      const catchUpMs = Date.now() - returnedAt;
      console.log(
        `SSE catch-up after a ${OUTAGE_MS} ms etcd outage: the first event after etcd's return streamed ${catchUpMs} ms after etcd answered again`,
      );
      expect(received(after)).toBe(true);
      expect(catchUpMs).toBeLessThan(1000);
      // Nothing twice, nothing skipped: the event from before once, then the one from after.
      const ids = stream.messages
        .filter((m) => m.event === 'lcm.scaling.up.requested')
        .map((m) => JSON.parse(m.data as string).id as string);
      expect(ids).toEqual([before, after]);
    }, 60_000);
  },
);
