import { findOnPath, LocalEtcdServer, startLocalEtcd } from '@lcm/testing';
import {
  EtcdStateStore,
  PrefixInformer,
  StoreObserver,
  WatchBatch,
} from '../src';

/** Long enough for an unbounded reconnect backoff to grow (etcd3's default reaches several seconds). */
const OUTAGE_MS = 8000;
const haveEtcdBinary = findOnPath('etcd') !== undefined;
if (!haveEtcdBinary && process.env['CI'] === 'true')
  throw new Error('CI needs the etcd binary to kill and restart a real server');

(haveEtcdBinary ? describe : describe.skip)(
  'a watch across an etcd restart (its own etcd process)',
  () => {
    let server: LocalEtcdServer;
    let store: EtcdStateStore;

    beforeAll(async () => {
      server = await startLocalEtcd();
      store = new EtcdStateStore({
        endpoints: server.endpoints,
        callTimeoutMs: 2000,
      });
    });
    afterAll(async () => {
      await store.close();
      await server.stop();
    });

    it('misses nothing written before the kill, during the outage (once it is back) and after', async () => {
      const put = (i: number) =>
        store.txn({
          compare: [],
          success: [
            {
              type: 'put',
              key: `/restart/k${String(i).padStart(3, '0')}`,
              value: String(i),
            },
          ],
        });
      const seen: WatchBatch[] = [];
      const warnings: string[] = [];
      const observer = new StoreObserver({
        log: () => undefined,
        warn: (m) => warnings.push(m),
        error: () => undefined,
      });
      const informer = new PrefixInformer(
        store,
        '/restart/',
        { onSnapshot: () => undefined, onBatch: (b) => void seen.push(b) },
        { name: 'restart-test', observer },
      );
      await informer.start();

      for (let i = 0; i < 20; i++) await put(i);
      await server.kill('SIGKILL');
      await server.restart();
      // The client reconnects by itself; writes succeed again once it has.
      for (let i = 20; i < 40; i++) {
        for (let attempt = 0; ; attempt++) {
          try {
            await put(i);
            break;
          } catch (error) {
            if (attempt > 50) throw error;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      }
      const deadline = Date.now() + 15_000;
      while (seen.flatMap((b) => b.events).length < 40 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      await informer.stop();

      const values = seen.flatMap((b) =>
        b.events.map((e) => Number(e.kv.value)),
      );
      expect(values).toEqual(Array.from({ length: 40 }, (_, i) => i));
      const revisions = seen.map((b) => b.revision);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
      expect(new Set(revisions).size).toBe(revisions.length);
      expect(warnings.join('\n')).toMatch(/restart-test disconnected/);
    }, 60_000);

    it("a watch catches up within about a second of etcd's return after an outage (what the SSE stream rides on)", async () => {
      const seen: number[] = [];
      const watch = await store.watch(
        '/return/',
        (await store.revision()) + 1,
        {
          onBatch: () => void seen.push(Date.now()),
          onCancelled: () => undefined,
        },
      );
      await server.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      await server.restart();
      const returnedAt = Date.now();
      const writer = new EtcdStateStore({ endpoints: server.endpoints });
      try {
        await writer.txn({
          compare: [],
          success: [{ type: 'put', key: '/return/after', value: 'x' }],
        });
        const deadline = Date.now() + 30_000;
        while (seen.length === 0 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        const catchUpMs = seen[0] - returnedAt;
        console.log(
          `watch catch-up after a ${OUTAGE_MS} ms etcd outage: event delivered ${catchUpMs} ms after etcd answered again`,
        );
        expect(seen).toHaveLength(1);
        // etcd3's default reconnect backoff takes 1.8 s here after an 8 s outage (11.5 s after longer ones).
        expect(catchUpMs).toBeLessThan(1000);
      } finally {
        await writer.close();
        await watch.cancel();
      }
    }, 60_000);
  },
);
