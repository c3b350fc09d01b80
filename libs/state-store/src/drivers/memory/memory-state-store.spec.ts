import { describeStateStoreContract } from '../../../test/contract/state-store.contract';
import { describeCoordinationContract } from '../../../test/contract/coordination.contract';
import { describeRecordStoresContract } from '../../../test/contract/records.contract';
import { MemoryStateStore } from './memory-state-store';

describeStateStoreContract('memory', async () => {
  const store = new MemoryStateStore();
  return { store, cleanup: () => store.close() };
});

describeCoordinationContract('memory', async () => {
  const store = new MemoryStateStore();
  return { store, cleanup: () => store.close() };
});

describeRecordStoresContract('memory', async () => {
  const store = new MemoryStateStore();
  return { store, cleanup: () => store.close() };
});
