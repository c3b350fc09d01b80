import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { DOC_STORE, DocStore, DocStoreModule } from '@lcm/doc-store';
import {
  EtcdStateStore,
  InstanceStore,
  KeyLayout,
  StateStore,
  StoreObserver,
  WorkerStore,
} from '@lcm/state-store';
import { Registry } from 'prom-client';
import { ReadinessChecks } from '../ops/readiness';
import { METRICS_REGISTRY } from '../ops/tokens';
import { PlatformConfig } from './platform-config';

export const STATE_STORE = Symbol('lcm:state-store');
const OWNS_STATE_STORE = Symbol('lcm:owns-state-store');
const PLATFORM_WARNINGS = Symbol('lcm:platform-warnings');

/** Registers the stores' readiness checks and closes what this app opened. */
@Injectable()
class PlatformLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(STATE_STORE) private readonly state: StateStore,
    @Inject(OWNS_STATE_STORE) private readonly ownsState: boolean,
    @Inject(PLATFORM_WARNINGS) private readonly warnings: string[],
    private readonly readiness: ReadinessChecks,
    @Optional() @Inject(DOC_STORE) private readonly docs?: DocStore,
  ) {}

  onModuleInit(): void {
    for (const warning of this.warnings) new Logger('Config').warn(warning);
    this.readiness.register({
      name:
        this.state.driver === 'etcd'
          ? 'etcd'
          : `state-store (${this.state.driver})`,
      check: async () =>
        (await this.state.ping()) || 'the state store is not reachable',
    });
    const docs = this.docs;
    if (docs)
      this.readiness.register({
        name: 'mongodb',
        check: () => docs.isReady() || 'MongoDB is not connected',
      });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsState) await this.state.close();
  }
}

/**
 * The stores of one app: the StateStore (etcd, or a shared one), the key layout, the typed instance
 * and worker stores, and the doc-store repositories when the app needs documents; with `/readyz`
 * checks for each and a clean close on shutdown. Needs OpsModule (metrics registry, readiness).
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    const imports = config.docs
      ? [
          config.docs.driver === 'shared'
            ? DocStoreModule.forStore(config.docs.store)
            : DocStoreModule.forRoot({
                driver: 'mongo',
                uri: config.docs.uri,
                auditRetentionDays: config.docs.auditRetentionDays,
              }),
        ]
      : [];
    const state = config.state;
    return {
      module: PlatformModule,
      imports,
      providers: [
        {
          provide: STATE_STORE,
          useFactory: () =>
            state.driver === 'shared' ? state.store : new EtcdStateStore(state),
        },
        { provide: OWNS_STATE_STORE, useValue: state.driver !== 'shared' },
        { provide: PLATFORM_WARNINGS, useValue: config.warnings ?? [] },
        { provide: KeyLayout, useValue: new KeyLayout(state.prefix) },
        {
          provide: StoreObserver,
          useFactory: (registry: Registry) =>
            new StoreObserver(new Logger('StateStore'), registry),
          inject: [METRICS_REGISTRY],
        },
        {
          provide: InstanceStore,
          useFactory: (
            store: StateStore,
            keys: KeyLayout,
            observer: StoreObserver,
          ) => new InstanceStore(store, keys, observer),
          inject: [STATE_STORE, KeyLayout, StoreObserver],
        },
        {
          provide: WorkerStore,
          useFactory: (
            store: StateStore,
            keys: KeyLayout,
            observer: StoreObserver,
          ) => new WorkerStore(store, keys, observer),
          inject: [STATE_STORE, KeyLayout, StoreObserver],
        },
        PlatformLifecycle,
      ],
      exports: [
        STATE_STORE,
        KeyLayout,
        StoreObserver,
        InstanceStore,
        WorkerStore,
        ...(config.docs ? [DocStoreModule] : []),
      ],
    };
  }
}
