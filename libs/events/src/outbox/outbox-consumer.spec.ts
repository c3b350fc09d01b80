import { MemoryStateStore } from '@lcm/state-store';
import { describeOutboxContract } from '../../test/contract/outbox.contract';

describeOutboxContract('memory', async () => {
  const store = new MemoryStateStore();
  return { store, cleanup: () => store.close() };
});
