import { describeWithServers, etcdEndpoints, uniqueName } from '@lcm/testing';
import { EtcdStateStore } from '@lcm/state-store';
import { describeWatchCacheReads } from './watch-cache-reads';

describeWithServers(['etcd'])('api reads from the watch cache on etcd', () => {
  describeWatchCacheReads('etcd', () => ({
    store: new EtcdStateStore({ endpoints: etcdEndpoints() }),
    prefix: `/${uniqueName('api-cache')}`,
    cleanup: () => undefined,
  }));
});
