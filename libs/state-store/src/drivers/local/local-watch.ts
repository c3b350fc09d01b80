import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  Lease,
  Watch,
  WatchBatch,
  WatchHandlers,
} from '../../port/state-store';

/**
 * What the two in-process drivers (memory, sqlite) share: etcd's compare operators, a lease handle
 * whose loss is signalled once, and a watch that hands batches to its handler strictly in order.
 */
export function compareOp<T extends number | string>(
  op: '=' | '!=' | '<' | '>',
  actual: T,
  expected: T,
): boolean {
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '>':
      return actual > expected;
  }
}

/** A lease handle of an in-process driver: `markLost` fires the handlers once. */
export class LocalLeaseHandle implements Lease {
  private lost?: Error;
  private readonly handlers: ((reason: Error) => void)[] = [];

  constructor(
    readonly id: string,
    readonly ttlSeconds: number,
    private readonly doRevoke: () => void,
  ) {}

  onLost(handler: (reason: Error) => void): void {
    if (this.lost) queueMicrotask(() => handler(this.lost as Error));
    else this.handlers.push(handler);
  }

  isLost(): boolean {
    return this.lost !== undefined;
  }

  async revoke(): Promise<void> {
    this.doRevoke();
  }

  markLost(reason: Error): void {
    if (this.lost) return;
    this.lost = reason;
    for (const handler of this.handlers.splice(0))
      queueMicrotask(() => handler(reason));
  }
}

/** Delivers batches to one watch handler strictly in order, each after the previous one settled. */
export class LocalWatcher implements Watch {
  private queue: Promise<void> = Promise.resolve();
  private active = true;
  /**
   * The watcher's async context, captured when it registered: handlers run in it, not in the context
   * of whoever committed the change. With several apps on one in-process store (the embedded mode)
   * the scheduler's reactions to an api write then still log as the scheduler.
   */
  private readonly inWatcherContext = AsyncLocalStorage.snapshot();

  constructor(
    readonly prefix: string,
    private readonly handlers: WatchHandlers,
    private readonly detach: () => void,
  ) {}

  offer(batch: WatchBatch): void {
    const events = batch.events.filter((e) => e.key.startsWith(this.prefix));
    if (events.length === 0) return;
    const filtered = { revision: batch.revision, events };
    this.queue = this.queue.then(async () => {
      if (this.active)
        await this.inWatcherContext(() => this.handlers.onBatch(filtered));
    });
    this.queue = this.queue.catch(() => undefined);
  }

  /** Ends the watch with an error the handler must react to (re-list). */
  fail(error: Error): void {
    this.active = false;
    this.detach();
    queueMicrotask(() =>
      this.inWatcherContext(() => this.handlers.onCancelled(error)),
    );
  }

  async cancel(): Promise<void> {
    this.active = false;
    this.detach();
  }
}

/** A lease id in etcd's format: a positive 64-bit integer in decimal (56 random bits here). */
export function newLeaseId(random: Buffer): string {
  return BigInt(`0x${random.toString('hex')}`).toString();
}

/** Hands `items` to `onPage` in pages of `pageSize` (default 1000), each after the previous resolved. */
export async function inPages<T>(
  items: readonly T[],
  pageSize: number | undefined,
  onPage: (page: T[]) => void | Promise<void>,
): Promise<void> {
  const size = pageSize ?? 1000;
  if (!(size >= 1)) throw new Error(`page size must be at least 1 (${size})`);
  for (let at = 0; at < items.length; at += size)
    await onPage(items.slice(at, at + size));
}
