/**
 * The one clock of LCM. Code that reads the time or waits takes a Clock (the apps pass systemClock),
 * so tests drive it with a ManualClock: the simulated fleet, the controller's passes, the api's
 * transitions and the document stores' timestamps all run in microseconds under test.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time (at once for ms <= 0). */
  sleep(ms: number): Promise<void>;
}

/** Wall-clock time and real timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) =>
    ms > 0
      ? new Promise<void>((resolve) => setTimeout(resolve, ms))
      : Promise.resolve(),
};

/** The clock's time as the ISO-8601 UTC string the domain transitions take (`TransitionContext.now`). */
export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

interface Sleeper {
  due: number;
  seq: number;
  resolve: () => void;
}

/** Lets pending promise chains run (all queued microtasks, then one macrotask turn). */
function settle(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A clock that moves only when told. `advance(ms)` moves time forward in steps, resolving each due
 * sleep in order (earliest first, then in call order) and letting the code awaiting it run before
 * the next step, so chains of sleeps behave as they would in real time.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  constructor(start: number | string = '2026-01-16T09:00:00.000Z') {
    this.current = typeof start === 'number' ? start : Date.parse(start);
    if (!Number.isFinite(this.current)) {
      throw new RangeError(`ManualClock: invalid start ${String(start)}`);
    }
  }

  now(): number {
    return this.current;
  }

  /** The current time as ISO-8601. */
  iso(): string {
    return new Date(this.current).toISOString();
  }

  sleep(ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.sleepers.push({ due: this.current + ms, seq: this.seq++, resolve });
    });
  }

  /** Number of sleeps not yet due. */
  get pendingSleeps(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by `ms`, resolving every sleep that falls due on the way. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0))
      throw new RangeError(`ManualClock: cannot advance by ${ms}`);
    const target = this.current + ms;
    for (;;) {
      await settle();
      const next = this.nextDue(target);
      if (!next) break;
      this.sleepers.splice(this.sleepers.indexOf(next), 1);
      this.current = Math.max(this.current, next.due);
      next.resolve();
    }
    this.current = target;
    await settle();
  }

  /** Moves time to the given instant (never backwards). */
  async advanceTo(instant: number | string): Promise<void> {
    const at = typeof instant === 'number' ? instant : Date.parse(instant);
    await this.advance(Math.max(0, at - this.current));
  }

  private nextDue(target: number): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.sleepers) {
      if (s.due > target) continue;
      if (!best || s.due < best.due || (s.due === best.due && s.seq < best.seq))
        best = s;
    }
    return best;
  }
}
