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
