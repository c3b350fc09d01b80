import { WorkQueue } from './work-queue';

function queue(base = 20, max = 80) {
  let ready = 0;
  const q = new WorkQueue({
    onReady: () => void ready++,
    baseDelayMs: base,
    maxDelayMs: max,
  });
  return { q, readyCalls: () => ready };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue: client-go semantics, keyed by object', () => {
  it('deduplicates: an item added many times is taken once, in the order first added', () => {
    const { q, readyCalls } = queue();
    q.add('instance/a');
    q.add('worker/w');
    q.add('instance/a');
    q.add('instance/a');
    expect(q.length).toBe(2);
    expect(readyCalls()).toBe(2);
    expect(q.take()).toEqual(['instance/a', 'worker/w']);
    expect(q.take()).toEqual([]);
  });

  it('take(max) hands out the oldest ready items, at most max; the rest stay ready for the next take', () => {
    const { q } = queue();
    q.addAll(['worker/w', 'instance/a', 'instance/b', 'autoscaler']);
    expect(q.take(3)).toEqual(['worker/w', 'instance/a', 'instance/b']);
    expect(q.length).toBe(1);
    // Added again while being processed: queued behind what was already waiting.
    q.add('instance/a');
    expect(q.take(3)).toEqual(['autoscaler']);
    q.done('instance/a');
    expect(q.take(3)).toEqual(['instance/a']);
    expect(q.take()).toEqual([]);
  });

  it('an item re-added while it is processed is not handed out again until done, then once', () => {
    const { q } = queue();
    q.add('instance/a');
    const [taken] = q.take();
    q.add('instance/a');
    q.add('instance/a');
    // Never two workers on one key: it is not ready while processing.
    expect(q.take()).toEqual([]);
    q.done(taken);
    expect(q.take()).toEqual(['instance/a']);
    q.done('instance/a');
    // Not re-added during its second processing: nothing more.
    expect(q.take()).toEqual([]);
  });

  it('addAfter: ready after the delay; an earlier time wins over a later one', async () => {
    const { q } = queue();
    q.addAfter('instance/a', 30);
    q.addAfter('instance/a', 5000);
    q.addAfter('instance/b', 5000);
    expect(q.length).toBe(0);
    expect(q.delayedCount).toBe(2);
    await sleep(60);
    expect(q.take()).toEqual(['instance/a']);
    expect(q.delayedCount).toBe(1);
    q.shutDown();
  });

  it('addAfter: items falling due at different times are each added at their own time, however far ahead', () => {
    jest.useFakeTimers();
    try {
      const { q } = queue();
      const day = 24 * 3600_000;
      q.addAfter('instance/late', 40 * day); // beyond one timer's reach
      q.addAfter('instance/early', 15);
      q.addAfter('instance/middle', 50);
      jest.advanceTimersByTime(20);
      expect(q.take()).toEqual(['instance/early']);
      expect(q.delayedCount).toBe(2);
      jest.advanceTimersByTime(40);
      expect(q.take()).toEqual(['instance/middle']);
      jest.advanceTimersByTime(30 * day);
      expect(q.take()).toEqual([]);
      jest.advanceTimersByTime(10 * day);
      expect(q.take()).toEqual(['instance/late']);
      expect(q.delayedCount).toBe(0);
      q.shutDown();
    } finally {
      jest.useRealTimers();
    }
  });

  it('addRateLimited: exponential backoff per item up to the cap, reset by forget', async () => {
    const { q } = queue(20, 80);
    q.addRateLimited('worker/w');
    expect(q.failuresOf('worker/w')).toBe(1);
    await sleep(5);
    expect(q.length).toBe(0);
    await sleep(45);
    expect(q.take()).toEqual(['worker/w']);
    q.done('worker/w');
    q.addRateLimited('worker/w'); // 40 ms
    await sleep(25);
    expect(q.length).toBe(0);
    await sleep(45);
    expect(q.take()).toEqual(['worker/w']);
    q.done('worker/w');
    for (let i = 0; i < 10; i++) q.addRateLimited('worker/x');
    q.forget('worker/w');
    expect(q.failuresOf('worker/w')).toBe(0);
    // Capped at 80 ms however often it failed.
    await sleep(130);
    expect(q.take()).toEqual(['worker/x']);
    q.shutDown();
  });

  it('shutDown drops everything and ignores later adds', async () => {
    const { q } = queue();
    q.add('instance/a');
    q.addAfter('instance/b', 10);
    q.shutDown();
    q.add('instance/c');
    await sleep(30);
    expect(q.take()).toEqual([]);
  });
});
