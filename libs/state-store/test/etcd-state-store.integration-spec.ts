import { describeWithServers, etcdEndpoints } from '@lcm/testing';
import { EtcdStateStore } from '../src';
import { describeStateStoreContract } from './contract/state-store.contract';
import { describeCoordinationContract } from './contract/coordination.contract';
import { describeRecordStoresContract } from './contract/records.contract';

describeWithServers(['etcd'])('etcd driver (real server)', () => {
  describeStateStoreContract('etcd', async () => {
    const store = new EtcdStateStore({ endpoints: etcdEndpoints() });
    return { store, cleanup: () => store.close() };
  });
});

describeWithServers(['etcd'])('coordination on etcd (real server)', () => {
  describeCoordinationContract('etcd', async () => {
    const store = new EtcdStateStore({ endpoints: etcdEndpoints() });
    return { store, cleanup: () => store.close() };
  });
});

describeWithServers(['etcd'])('record stores on etcd (real server)', () => {
  describeRecordStoresContract('etcd', async () => {
    const store = new EtcdStateStore({ endpoints: etcdEndpoints() });
    return { store, cleanup: () => store.close() };
  });
});

describeWithServers(['etcd'])(
  'a watch catching up over a large backlog (real server)',
  () => {
    it('delivers every event even when the catch-up exceeds gRPC’s default 4 MiB message size', async () => {
      const store = new EtcdStateStore({ endpoints: etcdEndpoints() });
      try {
        const prefix = `/backlog-${Date.now()}/`;
        const start = (await store.revision()) + 1;
        const value = 'x'.repeat(8 * 1024);
        for (let i = 0; i < 700; i++)
          await store.txn({
            compare: [],
            success: [{ type: 'put', key: `${prefix}${i}`, value }],
          });
        let delivered = 0;
        const watch = await store.watch(prefix, start, {
          onBatch: (b) => void (delivered += b.events.length),
          onCancelled: (e) => {
            throw e;
          },
        });
        const deadline = Date.now() + 20_000;
        while (delivered < 700 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        await watch.cancel();
        expect(delivered).toBe(700);
      } finally {
        await store.close();
      }
    });
  },
);
