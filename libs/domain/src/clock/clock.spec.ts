import { ManualClock, systemClock } from './clock';

describe('ManualClock', () => {
  it('starts at the given instant and moves only when advanced', async () => {
    const clock = new ManualClock('2026-01-16T09:00:00.000Z');
    expect(clock.iso()).toBe('2026-01-16T09:00:00.000Z');
    await clock.advance(1500);
    expect(clock.now()).toBe(Date.parse('2026-01-16T09:00:01.500Z'));
    await clock.advanceTo('2026-01-16T10:00:00.000Z');
    expect(clock.iso()).toBe('2026-01-16T10:00:00.000Z');
    await clock.advanceTo('2026-01-16T09:00:00.000Z'); // never backwards
    expect(clock.iso()).toBe('2026-01-16T10:00:00.000Z');
  });

  it('resolves due sleeps in order and leaves later ones pending', async () => {
    const clock = new ManualClock(0);
    const woke: string[] = [];
    void clock.sleep(300).then(() => woke.push(`b@${clock.now()}`));
    void clock.sleep(100).then(() => woke.push(`a@${clock.now()}`));
    void clock.sleep(1000).then(() => woke.push('c'));
    await clock.advance(500);
    expect(woke).toEqual(['a@100', 'b@300']);
    expect(clock.pendingSleeps).toBe(1);
    expect(clock.now()).toBe(500);
  });

  it('runs chained sleeps that fall within one advance', async () => {
    const clock = new ManualClock(0);
    const marks: number[] = [];
    const chain = (async () => {
      await clock.sleep(10);
      marks.push(clock.now());
      await clock.sleep(10);
      marks.push(clock.now());
      await clock.sleep(10);
      marks.push(clock.now());
    })();
    await clock.advance(25);
    expect(marks).toEqual([10, 20]);
    await clock.advance(5);
    await chain;
    expect(marks).toEqual([10, 20, 30]);
  });

  it('resolves a zero or negative sleep at once and refuses to go backwards', async () => {
    const clock = new ManualClock(0);
    await clock.sleep(0);
    await clock.sleep(-5);
    expect(clock.pendingSleeps).toBe(0);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    expect(() => new ManualClock('not a date')).toThrow(RangeError);
  });
});

describe('systemClock', () => {
  it('reads wall time and sleeps on real timers', async () => {
    const before = Date.now();
    expect(Math.abs(systemClock.now() - before)).toBeLessThan(1000);
    await systemClock.sleep(1);
    await systemClock.sleep(0);
  });
});
