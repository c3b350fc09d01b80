import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import type { LabletInstance } from '@lcm/domain';
import { STATE_STORE } from '@lcm/runtime';
import {
  CacheView,
  InstanceStore,
  KeyValue,
  StateStore,
  Versioned,
  WatchCache,
  WatchCacheOptions,
  WorkerPart,
  WorkerStore,
  WorkerView,
} from '@lcm/state-store';

/**
 * A WatchCache the api starts on its first read (and in the background at boot), so an etcd
 * outage at start-up delays reads (503 until it answers) instead of failing the app's start.
 */
abstract class ApiWatchCache<T, P = KeyValue>
  implements OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger: Logger;
  private readonly cache: WatchCache<T, P>;
  private starting?: Promise<void>;
  private closed = false;

  protected constructor(store: StateStore, options: WatchCacheOptions<T, P>) {
    this.logger = new Logger(`WatchCache(${options.name})`);
    this.cache = new WatchCache(store, options);
  }

  onApplicationBootstrap(): void {
    this.start().catch((error: unknown) =>
      this.logger.warn({
        msg: 'watch cache not started yet; the first read retries',
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => undefined);
    await this.cache.stop();
  }

  /** Everything acknowledged before the call, from memory (see WatchCache.read). */
  async read(): Promise<CacheView<T>> {
    await this.start();
    return this.cache.read();
  }

  private start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('watch cache closed'));
    this.starting ??= this.cache.start().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }
}

/** Instance records by id, indexed by the list filters (state, owner, definition, worker). */
@Injectable()
export class InstanceCache extends ApiWatchCache<
  Versioned<LabletInstance>,
  Versioned<LabletInstance>
> {
  constructor(
    @Inject(STATE_STORE) store: StateStore,
    instances: InstanceStore,
  ) {
    super(
      store,
      instances.cacheOptions('api-instances', [
        'state',
        'ownerId',
        'definitionId',
        'workerId',
        'calendarPage',
      ]),
    );
  }
}

/** Workers (state, capacity and ports records together) by id, indexed by state and template. */
@Injectable()
export class WorkerCache extends ApiWatchCache<WorkerView, WorkerPart> {
  constructor(@Inject(STATE_STORE) store: StateStore, workers: WorkerStore) {
    super(
      store,
      workers.cacheOptions('api-workers', ['state', 'templateName']),
    );
  }
}
