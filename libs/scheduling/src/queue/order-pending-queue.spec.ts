import { aPendingInstance, at } from '../../test/scheduling-fixtures';
import { orderPendingQueue } from './order-pending-queue';

describe('orderPendingQueue (docs/scheduling.md#queue-order)', () => {
  it('orders by earliest timeslotStart, then createdAt, then id', () => {
    const later = aPendingInstance({ id: 'i-later', startsIn: 60 });
    const firstCreated = aPendingInstance({
      id: 'i-z',
      startsIn: 10,
      createdAt: at(-5),
    });
    const secondCreatedB = aPendingInstance({ id: 'i-b', startsIn: 10 });
    const secondCreatedA = aPendingInstance({ id: 'i-a', startsIn: 10 });
    const queue = orderPendingQueue([
      later,
      secondCreatedB,
      secondCreatedA,
      firstCreated,
    ]);
    expect(queue.map((i) => i.id)).toEqual(['i-z', 'i-a', 'i-b', 'i-later']);
  });

  it('compares instants, not strings, and leaves its input alone', () => {
    const utc = {
      id: 'i-utc',
      timeslotStart: '2026-01-16T10:30:00.000Z',
      createdAt: at(0),
    };
    const offset = {
      id: 'i-offset',
      timeslotStart: '2026-01-16T11:00:00+01:00',
      createdAt: at(0),
    };
    const input = [utc, offset];
    expect(orderPendingQueue(input).map((i) => i.id)).toEqual([
      'i-offset',
      'i-utc',
    ]);
    expect(input.map((i) => i.id)).toEqual(['i-utc', 'i-offset']);
  });
});
