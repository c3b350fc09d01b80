import { describeStateStoreContract } from '../../../test/contract/state-store.contract';
import { describeCoordinationContract } from '../../../test/contract/coordination.contract';
import { describeRecordStoresContract } from '../../../test/contract/records.contract';
import { MemoryStateStore } from './memory-state-store';

describeStateStoreContract('memory', async () => {
  const store = new MemoryStateStore();
  return { store, cleanup: () => store.close() };
});

describe('MemoryStateStore snapshots', () => {
  it('restores durable keys and the revision, and drops lease-bound keys', async () => {
    const store = new MemoryStateStore();
    const lease = await store.grantLease(10);
    await store.txn({ compare: [], success: [{ type: 'put', key: '/a', value: '1' }, { type: 'put', key: '/leased', value: 'x', lease: lease.id }] });
    const snapshot = JSON.parse(JSON.stringify(store.snapshot()));
    await store.close();

    const restored = new MemoryStateStore(snapshot);
    expect(await restored.revision()).toBe(snapshot.revision);
    expect((await restored.get('/a'))?.value).toBe('1');
    expect(await restored.get('/leased')).toBeUndefined();
    const next = await restored.txn({ compare: [], success: [{ type: 'put', key: '/b', value: '2' }] });
    expect(next.revision).toBe(snapshot.revision + 1);
    await restored.close();
  });
});

describeCoordinationContract('memory', async () => {
  const store = new MemoryStateStore();
  return { store, cleanup: () => store.close() };
});

describeRecordStoresContract('memory', async () => {
  const store = new MemoryStateStore();
  return { store, cleanup: () => store.close() };
});
