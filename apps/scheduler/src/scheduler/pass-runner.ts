/**
 * Runs the scheduling pass on demand, one at a time: `kick` asks for a pass (several kicks before
 * it starts are one pass), and `whenIdle` waiters are woken when the term reports nothing left to do.
 */
export class PassRunner {
  private running = false;
  private pending = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly hooks: {
      /** The pass: runs until nothing is left (it handles its own errors). */
      pass: () => Promise<void>;
      /** Whether a pass may start now (the term leads and is ready). */
      canRun: () => boolean;
      /** Work arrived after the pass last looked: it gets its own pass. */
      hasWork: () => boolean;
      /** Nothing to evaluate or commit (the term checks `isRunning` itself: a closed term is idle at once). */
      isIdle: () => boolean;
    },
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  kick(): void {
    if (!this.hooks.canRun() || this.running || this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      void this.run();
    });
  }

  /** Resolves when the term is idle. */
  whenIdle(): Promise<void> {
    if (this.hooks.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes the `whenIdle` waiters if the term is idle now. */
  wake(): void {
    if (!this.hooks.isIdle()) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private async run(): Promise<void> {
    if (this.running || !this.hooks.canRun()) return;
    this.running = true;
    try {
      await this.hooks.pass();
    } finally {
      this.running = false;
      this.wake();
      if (this.hooks.hasWork()) this.kick();
    }
  }
}
