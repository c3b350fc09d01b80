import {
  ExponentialBackoff,
  halfJitterGenerator,
  handleAll,
  retry,
} from 'cockatiel';
import mongoose, {
  type Connection,
  type IndexDefinition,
  type IndexOptions,
} from 'mongoose';
import { StoreUnavailableError } from '../errors';
import { silentLogger, type DocStoreLogger } from '../logger';
import { mongoCall } from './mongo-errors';

export interface MongoConnectionOptions {
  /** `mongodb://…`, e.g. MONGODB_URI. The database is the URI's path unless `dbName` is given. */
  uri: string;
  dbName?: string;
  /** Start-up attempts before giving up (default 10), with exponential backoff between them. */
  connectAttempts?: number;
  /** First backoff (default 250 ms), doubled per attempt up to `maxBackoffMs` (default 5 s), with jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long one attempt (and later, one operation) waits for a server (default 5 s). */
  serverSelectionTimeoutMs?: number;
  logger?: DocStoreLogger;
}

/** What ensureIndexes did, per index `collection.name`. */
export interface IndexReport {
  ensured: string[];
  /**
   * Collections whose TTL index the server cannot build (FerretDB 1.x answers NotImplemented): a
   * plain index was built instead and expiry must be done by purging (MongoDocStore does that).
   */
  ttlUnsupported: string[];
}

const NOT_IMPLEMENTED = 238;
const INDEX_OPTIONS_CONFLICT = 85;

/**
 * The one MongoDB connection of an app: connect with retry and backoff at start-up, a readiness
 * signal for `/readyz`, indexes built by an explicit step (never mongoose autoIndex), clean close.
 */
export class MongoConnection {
  readonly connection: Connection;
  private readonly logger: DocStoreLogger;
  private closed = false;
  private opened = false;
  /** Aborted by close(): ends a start-up that is still retrying, without waiting out its backoff. */
  private readonly closing = new AbortController();

  constructor(private readonly options: MongoConnectionOptions) {
    this.logger = options.logger ?? silentLogger;
    this.connection = mongoose.createConnection();
    this.connection.on('disconnected', () => {
      if (this.opened && !this.closed)
        this.logger.warn(
          `doc-store: MongoDB disconnected (${redactUri(options.uri)}); the driver reconnects`,
        );
    });
    this.connection.on('reconnected', () =>
      this.logger.log('doc-store: MongoDB reconnected'),
    );
  }

  async connect(): Promise<void> {
    if (this.isReady()) return;
    const attempts = this.options.connectAttempts ?? 10;
    const initial = this.options.initialBackoffMs ?? 250;
    const max = this.options.maxBackoffMs ?? 5000;
    const policy = retry(handleAll, {
      maxAttempts: attempts - 1,
      backoff: new ExponentialBackoff({
        initialDelay: initial,
        maxDelay: max,
        generator: halfJitterGenerator,
      }),
    }).dangerouslyUnref();
    policy.onRetry((event) => {
      const message =
        'error' in event ? (event.error as Error).message : 'no connection';
      this.logger.warn(
        `doc-store: MongoDB connect attempt ${event.attempt}/${attempts} failed (${message}); retrying in ${Math.round(event.delay)} ms`,
      );
    });
    const closed = this.closing.signal;
    const attempt = policy.execute(async ({ signal }) => {
      if (signal.aborted) throw new Error('closed while connecting');
      await this.connection.openUri(this.options.uri, {
        ...(this.options.dbName !== undefined && {
          dbName: this.options.dbName,
        }),
        serverSelectionTimeoutMS: this.options.serverSelectionTimeoutMs ?? 5000,
        // Indexes come from ensureIndexes; operations fail fast while disconnected instead of queueing.
        autoIndex: false,
        autoCreate: false,
        bufferCommands: false,
        // Like JSON (and the memory driver): an undefined field is absent, not null.
        ignoreUndefined: true,
      });
    }, closed);
    // close() ends the wait at once; the policy's pending backoff timer is unreferenced and its next
    // attempt sees the aborted signal and stops.
    const stopped = new Promise<never>((_, reject) => {
      const stop = (): void => reject(new Error('closed while connecting'));
      if (closed.aborted) stop();
      else closed.addEventListener('abort', stop, { once: true });
    });
    try {
      await Promise.race([attempt, stopped]);
      this.opened = true;
      this.logger.log(
        `doc-store: connected to MongoDB ${redactUri(this.options.uri)} (database ${this.connection.name})`,
      );
    } catch (error) {
      const reason = this.closed
        ? 'closed while connecting'
        : ((error as Error | undefined)?.message ?? 'unknown error');
      throw new StoreUnavailableError(
        `doc-store: cannot connect to MongoDB at ${redactUri(this.options.uri)}: ${reason}`,
        error,
      );
    }
  }

  /** Connected now (the driver's view); false during an outage and after close. */
  isReady(): boolean {
    return (
      !this.closed &&
      this.connection.readyState === mongoose.ConnectionStates.connected
    );
  }

  /** A round trip to the server, for a deeper health check than isReady. */
  async ping(): Promise<boolean> {
    try {
      const db = this.connection.db;
      if (!db || !this.isReady()) return false;
      await mongoCall(() => db.command({ ping: 1 }));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Creates every index declared on the schemas of the models registered on this connection.
   * Idempotent. A changed TTL is applied with collMod; a TTL the server cannot build is reported.
   */
  async ensureIndexes(): Promise<IndexReport> {
    const report: IndexReport = { ensured: [], ttlUnsupported: [] };
    for (const model of Object.values(this.connection.models)) {
      const collection = model.collection;
      for (const [keys, options] of model.schema.indexes() as [
        IndexDefinition,
        IndexOptions,
      ][]) {
        const name = `${collection.collectionName}.${String(options.name)}`;
        try {
          await mongoCall(() =>
            collection.createIndex(keys as never, options as never),
          );
        } catch (error) {
          const code = (error as { code?: number }).code;
          if (
            options.expireAfterSeconds !== undefined &&
            code === NOT_IMPLEMENTED
          ) {
            const { expireAfterSeconds: _ttl, ...plain } = options;
            await mongoCall(() =>
              collection.createIndex(keys as never, plain as never),
            );
            report.ttlUnsupported.push(collection.collectionName);
            this.logger.warn(
              `doc-store: ${name}: the server has no TTL indexes; expired documents are purged periodically instead`,
            );
          } else if (
            options.expireAfterSeconds !== undefined &&
            code === INDEX_OPTIONS_CONFLICT
          ) {
            // The retention changed: adjust the existing TTL index in place.
            const db = this.connection.db;
            if (db === undefined) throw error;
            await mongoCall(() =>
              db.command({
                collMod: collection.collectionName,
                index: {
                  name: options.name,
                  expireAfterSeconds: options.expireAfterSeconds,
                },
              }),
            );
          } else {
            throw error;
          }
        }
        report.ensured.push(name);
      }
    }
    return report;
  }

  /** Idempotent; also stops a connect() that is still retrying. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    await this.connection.close();
  }
}

/** `mongodb://user:secret@host/db` -> `mongodb://***@host/db`: no secrets in logs. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}
