import { toOutboxEvents } from '@lcm/events';
import {
  Fence,
  FencedWriter,
  InstanceStore,
  WorkerStore,
} from '@lcm/state-store';

/** The `source` of every CloudEvent the scheduler emits. */
export const SCHEDULER_SOURCE = 'lcm/scheduler';

/**
 * The scheduler's one writer for a leadership term: the state store's FencedWriter with the term's
 * fence and the scheduler's event source. The state store owns every transaction's key set (a
 * batch of placements is `InstanceStore.commitBatch`); the scheduler only says what changed.
 */
export function schedulerWriter(
  stores: { instances: InstanceStore; workers: WorkerStore },
  fence: Fence,
): FencedWriter {
  return new FencedWriter(
    stores,
    (events) => toOutboxEvents(events, SCHEDULER_SOURCE),
    fence,
  );
}
