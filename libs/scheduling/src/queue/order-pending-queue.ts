import { compareTimestamps, type LabletInstance } from '@lcm/domain';
import { compareIds } from '../placement/filter-pipeline';

export type QueuedInstance = Pick<
  LabletInstance,
  'id' | 'timeslotStart' | 'createdAt'
>;

/** docs/scheduling.md#queue-order queue order: earliest timeslotStart, then createdAt (FIFO), then id. */
export function comparePendingQueue(
  a: QueuedInstance,
  b: QueuedInstance,
): number {
  return (
    compareTimestamps(a.timeslotStart, b.timeslotStart) ||
    compareTimestamps(a.createdAt, b.createdAt) ||
    compareIds(a.id, b.id)
  );
}

/** A sorted copy; the input is left as it was. */
export function orderPendingQueue<T extends QueuedInstance>(
  instances: readonly T[],
): T[] {
  return [...instances].sort(comparePendingQueue);
}
