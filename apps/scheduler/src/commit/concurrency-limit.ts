/** Runs tasks with at most `limit` in flight; `drained()` resolves once nothing is queued or running. */
export class ConcurrencyLimit {
  private running = 0;
  private readonly queue: (() => Promise<void>)[] = [];
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.running + this.queue.length;
  }

  run(task: () => Promise<void>): void {
    this.queue.push(task);
    this.next();
  }

  drained(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Forgets what has not started (a closed term). */
  clear(): void {
    this.queue.length = 0;
    if (this.running === 0) this.wakeDrained();
  }

  private next(): void {
    while (this.running < this.limit && this.queue.length > 0) {
      const task = this.queue.shift() as () => Promise<void>;
      this.running++;
      void task()
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.next();
          if (this.size === 0) this.wakeDrained();
        });
    }
  }

  private wakeDrained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }
}
