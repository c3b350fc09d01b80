import { findOnPath, LocalEtcdServer, startLocalEtcd } from '@lcm/testing';
import { EtcdStateStore, PrefixInformer, StoreObserver, WatchBatch } from '../src';

const haveEtcdBinary = findOnPath('etcd') !== undefined;
if (!haveEtcdBinary && process.env['CI'] === 'true') throw new Error('CI needs the etcd binary to kill and restart a real server');

(haveEtcdBinary ? describe : describe.skip)('a watch across an etcd restart (its own etcd process)', () => {
  let server: LocalEtcdServer;
  let store: EtcdStateStore;

  beforeAll(async () => {
    server = await startLocalEtcd();
    store = new EtcdStateStore({ endpoints: server.endpoints, callTimeoutMs: 2000 });
  });
  afterAll(async () => {
    await store.close();
    await server.stop();
  });

  it('misses nothing written before the kill, during the outage (once it is back) and after', async () => {
    const put = (i: number) => store.txn({ compare: [], success: [{ type: 'put', key: `/restart/k${String(i).padStart(3, '0')}`, value: String(i) }] });
    const seen: WatchBatch[] = [];
    const warnings: string[] = [];
    const observer = new StoreObserver({ log: () => undefined, warn: (m) => warnings.push(m), error: () => undefined });
    const informer = new PrefixInformer(store, '/restart/', { onSnapshot: () => undefined, onBatch: (b) => void seen.push(b) }, { name: 'restart-test', observer });
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
    while (seen.flatMap((b) => b.events).length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await informer.stop();

    const values = seen.flatMap((b) => b.events.map((e) => Number(e.kv.value)));
    expect(values).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const revisions = seen.map((b) => b.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(warnings.join('\n')).toMatch(/restart-test disconnected/);
  }, 60_000);
});
