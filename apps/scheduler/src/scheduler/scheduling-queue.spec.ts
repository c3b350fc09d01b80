import { SchedulingQueue } from './scheduling-queue';

function aQueue(start = Date.parse('2026-11-23T10:00:00.000Z')) {
  let now = start;
  let activations = 0;
  const queue = new SchedulingQueue({
    clock: () => new Date(now),
    activated: () => activations++,
  });
  return {
    queue,
    advance: (ms: number) => (now += ms),
    now: () => now,
    activations: () => activations,
  };
}

const all = () => true;

describe('SchedulingQueue', () => {
  it('hands each active instance to one round, and drops those the term is not interested in', () => {
    const { queue } = aQueue();
    queue.activate('a');
    queue.activate('b');
    queue.activate('a');
    expect(queue.hasWork()).toBe(true);
    expect(queue.takeRound((id) => id !== 'b')).toEqual(['a']);
    expect(queue.hasWork()).toBe(false);
    expect(queue.takeRound(all)).toEqual([]);
  });

  it('keeps a parked instance out of rounds until a relevant change moves every parked instance back', () => {
    const { queue } = aQueue();
    expect(queue.roomChanged()).toBe(false);
    queue.park('a');
    queue.park('b');
    expect(queue.parkedCount).toBe(2);
    expect(queue.hasWork()).toBe(false);
    expect(queue.takeRound(all)).toEqual([]);
    expect(queue.roomChanged()).toBe(true);
    expect(queue.hasWork()).toBe(true);
    expect(queue.takeRound(all).sort()).toEqual(['a', 'b']);
    // Still parked until placed: the next change moves them again.
    expect(queue.hasWork()).toBe(false);
    queue.placed('a');
    queue.roomChanged();
    expect(queue.takeRound(all)).toEqual(['b']);
  });

  it('moves an instance parked after the change (later in the same round) back too: no change is lost', () => {
    const { queue } = aQueue();
    queue.park('early');
    queue.roomChanged();
    queue.park('late');
    expect(queue.takeRound(all).sort()).toEqual(['early', 'late']);
  });

  it('forgets an instance that is no longer pending, wherever it waited', () => {
    const { queue, now } = aQueue();
    queue.activate('a');
    queue.park('b');
    expect(queue.waitsForWindow('c', now() + 60_000, now())).toBe(true);
    for (const id of ['a', 'b', 'c']) queue.forget(id);
    queue.roomChanged();
    queue.windowsOpened();
    expect(queue.parkedCount).toBe(0);
    expect(queue.takeRound(all)).toEqual([]);
    queue.close();
  });

  it('holds an instance whose record is being written and evaluates it once the write settles', () => {
    const { queue, activations } = aQueue();
    queue.writeStarted('a');
    queue.activate('a');
    expect(queue.takeRound(all)).toEqual([]);
    expect(queue.isSettled()).toBe(false);
    queue.writeSettled('a');
    expect(activations()).toBe(1);
    expect(queue.takeRound(all)).toEqual(['a']);
    expect(queue.isSettled()).toBe(true);
    // A write nobody waited for activates nothing.
    queue.writeStarted('b');
    queue.writeSettled('b');
    expect(activations()).toBe(1);
    expect(queue.hasWork()).toBe(false);
  });

  it('lets a booked instance wait for its window and activates it when the window opens', () => {
    const { queue, advance, now, activations } = aQueue();
    expect(queue.waitsForWindow('open', now(), now())).toBe(false);
    expect(queue.waitsForWindow('soon', now() + 60_000, now())).toBe(true);
    expect(queue.waitsForWindow('later', now() + 120_000, now())).toBe(true);
    queue.windowsOpened();
    expect(queue.takeRound(all)).toEqual([]);
    advance(60_000);
    queue.windowsOpened();
    expect(activations()).toBe(2);
    expect(queue.takeRound(all)).toEqual(['soon']);
    advance(60_000);
    queue.windowsOpened();
    expect(queue.takeRound(all)).toEqual(['later']);
    queue.close();
  });

  it('opens a window by its own timer, and nothing after it is closed', async () => {
    const { queue, now } = aQueue(Date.now());
    queue.waitsForWindow('a', now() + 20, now());
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The queue's clock did not move, so the timer found nothing due and re-armed.
    expect(queue.takeRound(all)).toEqual([]);
    const real = new SchedulingQueue({
      clock: () => new Date(),
      activated: () => undefined,
    });
    real.waitsForWindow('b', Date.now() + 20, Date.now());
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(real.takeRound(all)).toEqual(['b']);
    real.waitsForWindow('c', Date.now() + 20, Date.now());
    real.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(real.takeRound(all)).toEqual([]);
    queue.close();
  });
});
