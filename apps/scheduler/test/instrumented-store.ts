import {
  Lease,
  RangeResult,
  StateStore,
  TxnRequest,
  TxnResult,
  Watch,
  WatchHandlers,
  KeyValue,
  PrefixStatus,
  ScanOptions,
} from '@lcm/state-store';

/**
 * A StateStore that passes everything through to another one, counting the transactions that
 * wrote something, and able to hold transactions back (to race a deposition against a commit).
 */
export class InstrumentedStore implements StateStore {
  readonly driver: string;
  /** Transactions that succeeded and wrote, with the keys they wrote. */
  readonly writes: string[][] = [];
  /** Transactions whose compares failed, with the keys they would have written. */
  readonly refused: string[][] = [];
  private gate?: Promise<void>;
  private openGate?: () => void;
  private held?: (request: TxnRequest) => boolean;

  /** `txnDelayMs`: how long each transaction waits before it runs (opens windows for races). */
  constructor(
    private readonly inner: StateStore,
    private readonly options: { txnDelayMs?: () => number } = {},
  ) {
    this.driver = inner.driver;
  }

  /** Transactions from now on (only those `only` selects, when given) wait until `release()`. */
  hold(only?: (request: TxnRequest) => boolean): void {
    this.held = only;
    this.gate ??= new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.inner.get(key);
  }
  list(prefix: string): Promise<RangeResult> {
    return this.inner.list(prefix);
  }
  scan(
    prefix: string,
    onPage: (kvs: KeyValue[]) => void | Promise<void>,
    options?: ScanOptions,
  ): Promise<number> {
    return this.inner.scan(prefix, onPage, options);
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    if (this.gate && (!this.held || this.held(request))) await this.gate;
    const delay = this.options.txnDelayMs?.() ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const result = await this.inner.txn(request);
    const keys = request.success.flatMap((op) =>
      op.type === 'deletePrefix' ? [op.prefix] : [op.key],
    );
    if (result.succeeded && keys.length > 0) this.writes.push(keys);
    if (!result.succeeded) this.refused.push(keys);
    return result;
  }
  watch(
    prefix: string,
    fromRevision: number,
    handlers: WatchHandlers,
  ): Promise<Watch> {
    return this.inner.watch(prefix, fromRevision, handlers);
  }
  grantLease(
    ttlSeconds: number,
    options?: { keepAlive?: boolean },
  ): Promise<Lease> {
    return this.inner.grantLease(ttlSeconds, options);
  }
  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }
  revision(): Promise<number> {
    return this.inner.revision();
  }
  prefixStatus(prefix: string, afterRevision: number): Promise<PrefixStatus> {
    return this.inner.prefixStatus(prefix, afterRevision);
  }
  ping(): Promise<boolean> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
