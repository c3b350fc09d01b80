import { readFileSync } from 'node:fs';
import { Etcd3, IKeyValue, IOptions, IRequestOp, ICompare, Watcher } from 'etcd3';
import {
  CompactedError,
  Compare,
  KeyValue,
  Lease,
  LeaseLostError,
  Operation,
  RangeResult,
  StateStore,
  StoreUnavailableError,
  TxnRequest,
  TxnResult,
  Watch,
  WatchBatch,
  WatchHandlers,
} from '../../port/state-store';

export interface EtcdConnectionOptions {
  endpoints: string[];
  username?: string;
  password?: string;
  /** PEM files for TLS (client certificate optional). */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Deadline of one unary call (ms). */
  callTimeoutMs?: number;
}

const PAGE_SIZE = 1000;

/**
 * The production driver, on the etcd3 client. Reads of a prefix are paged at one revision (so a
 * large keyspace never exceeds the gRPC message limit), leases are kept alive by our own loop so that
 * losing them is noticed before etcd can expire them, and watches resume after a reconnect from the
 * last delivered revision + 1.
 */
export class EtcdStateStore implements StateStore {
  readonly driver = 'etcd';
  private readonly client: Etcd3;

  constructor(options: EtcdConnectionOptions) {
    const timeout = options.callTimeoutMs ?? 5000;
    const config: IOptions = {
      hosts: options.endpoints,
      dialTimeout: 3000,
      // A watch catching up over a large backlog gets responses above gRPC's 4 MiB default; with
      // the limit it would disconnect and retry the same response forever.
      grpcOptions: { 'grpc.max_receive_message_length': -1 },
      // Unary calls get a deadline; streams (watch, keepalive) do not.
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
    };
    if (options.username) config.auth = { username: options.username, password: options.password ?? '' };
    if (options.caFile) {
      config.credentials = {
        rootCertificate: readFileSync(options.caFile),
        ...(options.certFile ? { certChain: readFileSync(options.certFile) } : {}),
        ...(options.keyFile ? { privateKey: readFileSync(options.keyFile) } : {}),
      };
    }
    this.client = new Etcd3(config);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(key) }));
    return res.kvs[0] ? toKeyValue(res.kvs[0]) : undefined;
  }

  async list(prefix: string): Promise<RangeResult> {
    const end = prefixEnd(Buffer.from(prefix));
    const kvs: KeyValue[] = [];
    let from = Buffer.from(prefix);
    let revision = 0;
    for (;;) {
      const res = await this.call(() =>
        this.client.kv.range({ key: from, range_end: end, limit: PAGE_SIZE, ...(revision ? { revision } : {}) }),
      );
      if (!revision) revision = Number(res.header.revision);
      for (const kv of res.kvs) kvs.push(toKeyValue(kv));
      if (!res.more || res.kvs.length === 0) break;
      from = Buffer.concat([res.kvs[res.kvs.length - 1].key, Buffer.from([0])]);
    }
    return { kvs, revision };
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    const res = await this.call(() =>
      this.client.kv.txn({
        compare: request.compare.map(toCompare),
        success: request.success.map(toRequestOp),
        failure: (request.failureReads ?? []).map((key) => ({ request_range: { key: Buffer.from(key) } })),
      }),
    );
    const reads = res.succeeded
      ? []
      : res.responses.flatMap((r) => r.response_range?.kvs ?? []).map(toKeyValue);
    return { succeeded: res.succeeded, revision: Number(res.header.revision), reads };
  }

  async watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Promise<Watch> {
    const builder = this.client.watch().prefix(prefix);
    if (fromRevision > 0) builder.startRevision(String(fromRevision));
    let lastDelivered = fromRevision > 0 ? fromRevision - 1 : 0;
    let queue: Promise<void> = Promise.resolve();
    let active = true;

    const deliver = (batch: WatchBatch) => {
      queue = queue
        .then(async () => {
          // After a reconnect the client resumes from the last response's revision + 1; never
          // hand the same revision to the handler twice.
          if (!active || batch.revision <= lastDelivered) return;
          lastDelivered = batch.revision;
          await handlers.onBatch(batch);
        })
        .catch(() => undefined);
    };

    const watcher: Watcher = await this.call(() => builder.create());
    watcher.on('data', (res) => {
      const byRevision = new Map<number, WatchBatch>();
      for (const event of res.events) {
        const kv = toKeyValue(event.kv);
        const batch = byRevision.get(kv.modRevision) ?? { revision: kv.modRevision, events: [] };
        batch.events.push({ type: event.type === 'Delete' ? 'delete' : 'put', key: kv.key, kv });
        byRevision.set(kv.modRevision, batch);
      }
      for (const batch of [...byRevision.values()].sort((a, b) => a.revision - b.revision)) deliver(batch);
    });
    watcher.on('disconnected', (error: Error) => handlers.onDisconnected?.(error));
    watcher.on('connected', () => handlers.onReconnected?.());
    watcher.on('error', (error: Error) => {
      if (!active) return;
      active = false;
      // etcd cancels a watch whose start revision was compacted (the client does not retry it).
      const compacted = /compact/i.test(error.message) || /canceled/i.test(error.message);
      const cause = compacted ? new CompactedError(lastDelivered + 1) : error;
      queue = queue.then(() => handlers.onCancelled(cause));
    });

    return {
      cancel: async () => {
        active = false;
        await watcher.cancel().catch(() => undefined);
      },
    };
  }

  async grantLease(ttlSeconds: number, options: { keepAlive?: boolean } = {}): Promise<Lease> {
    const lease = this.client.lease(ttlSeconds, { autoKeepAlive: false });
    const id = await this.call(() => lease.grant());
    return new EtcdLease(id, ttlSeconds, options.keepAlive !== false, () => lease.keepaliveOnce(), () => lease.revoke());
  }

  async compact(revision: number): Promise<void> {
    await this.call(() => this.client.kv.compact({ revision, physical: true }));
  }

  async revision(): Promise<number> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from('\0'), limit: 1, keys_only: true }));
    return Number(res.header.revision);
  }

  async ping(): Promise<boolean> {
    try {
      await this.revision();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/unavailable|deadline|connect|ECONNREFUSED|circuit|No connection|transport/i.test(message)) {
        throw new StoreUnavailableError(`etcd unavailable: ${message}`, error);
      }
      throw error;
    }
  }
}

/**
 * A lease kept alive every TTL/4. It is declared lost as soon as a keepalive reports it expired, or
 * when no keepalive has succeeded for 2/3 of the TTL (counted from when that keepalive was sent), so
 * a leader steps down before etcd can expire its key. (etcd3's own `lost` event comes only after 2 x TTL.)
 */
class EtcdLease implements Lease {
  private lost?: Error;
  private readonly handlers: ((reason: Error) => void)[] = [];
  private readonly interval?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;
  private revoked = false;

  constructor(
    readonly id: string,
    readonly ttlSeconds: number,
    keepAlive: boolean,
    private readonly keepaliveOnce: () => Promise<{ TTL: string }>,
    private readonly doRevoke: () => Promise<void>,
  ) {
    this.armDeadline(Date.now());
    if (keepAlive) {
      this.interval = setInterval(() => void this.renew(), (ttlSeconds * 1000) / 4);
      this.interval.unref();
    }
  }

  onLost(handler: (reason: Error) => void): void {
    if (this.lost) queueMicrotask(() => handler(this.lost as Error));
    else this.handlers.push(handler);
  }

  isLost(): boolean {
    return this.lost !== undefined;
  }

  async revoke(): Promise<void> {
    this.revoked = true;
    this.stop();
    this.markLost(new LeaseLostError(this.id, 'revoked'));
    await this.doRevoke().catch(() => undefined);
  }

  private async renew(): Promise<void> {
    if (this.lost) return;
    const sentAt = Date.now();
    try {
      const res = await this.keepaliveOnce();
      if (Number(res.TTL) <= 0) this.markLost(new LeaseLostError(this.id, 'expired on the server'));
      else this.armDeadline(sentAt);
    } catch {
      // The deadline timer decides: one failed keepalive within the TTL budget is not yet a loss.
    }
  }

  private armDeadline(sentAt: number): void {
    clearTimeout(this.deadline);
    const remaining = sentAt + (this.ttlSeconds * 1000 * 2) / 3 - Date.now();
    this.deadline = setTimeout(() => this.markLost(new LeaseLostError(this.id, 'no successful keepalive within 2/3 of the TTL')), Math.max(0, remaining));
    this.deadline.unref();
  }

  private markLost(reason: Error): void {
    if (this.lost) return;
    this.lost = reason;
    this.stop();
    for (const handler of this.handlers.splice(0)) queueMicrotask(() => handler(reason));
    if (!this.revoked) void this.doRevoke().catch(() => undefined);
  }

  private stop(): void {
    clearInterval(this.interval);
    clearTimeout(this.deadline);
  }
}

function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value?.toString() ?? '',
    createRevision: Number(kv.create_revision ?? 0),
    modRevision: Number(kv.mod_revision ?? 0),
    version: Number(kv.version ?? 0),
    lease: String(kv.lease ?? '0'),
  };
}

const RESULTS = { '=': 'Equal', '!=': 'NotEqual', '<': 'Less', '>': 'Greater' } as const;

function toCompare(c: Compare): ICompare {
  const base = { key: Buffer.from(c.key), result: RESULTS[c.op] };
  switch (c.target) {
    case 'modRevision':
      return { ...base, target: 'Mod', mod_revision: c.value };
    case 'createRevision':
      return { ...base, target: 'Create', create_revision: c.value };
    case 'version':
      return { ...base, target: 'Version', version: c.value };
    case 'value':
      return { ...base, target: 'Value', value: Buffer.from(c.value) };
    case 'lease':
      return { ...base, target: 'Lease', lease: c.value };
  }
}

function toRequestOp(op: Operation): IRequestOp {
  switch (op.type) {
    case 'put':
      return { request_put: { key: Buffer.from(op.key), value: Buffer.from(op.value), ...(op.lease && op.lease !== '0' ? { lease: op.lease } : {}) } };
    case 'delete':
      return { request_delete_range: { key: Buffer.from(op.key) } };
    case 'deletePrefix':
      return { request_delete_range: { key: Buffer.from(op.prefix), range_end: prefixEnd(Buffer.from(op.prefix)) } };
  }
}

/** etcd's range_end for "every key starting with prefix". */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
