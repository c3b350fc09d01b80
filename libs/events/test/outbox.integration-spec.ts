import { describeWithServers, etcdEndpoints } from '@lcm/testing';
import { EtcdStateStore } from '@lcm/state-store';
import { describeOutboxContract } from './contract/outbox.contract';

describeWithServers(['etcd'])('outbox on etcd (real server)', () => {
  describeOutboxContract('etcd', async () => {
    const store = new EtcdStateStore({ endpoints: etcdEndpoints() });
    return { store, cleanup: () => store.close() };
  });
});
