import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import type { DocStore } from '../doc-store';
import { openDocStore, type DocStoreOptions } from '../open-doc-store';
import {
  AUDIT_EVENT_REPOSITORY,
  DOC_STORE,
  LABLET_DEFINITION_REPOSITORY,
  WORKER_TEMPLATE_REPOSITORY,
} from './doc-store.tokens';

/** Closes the store when the application shuts down (needs `app.enableShutdownHooks()` for signals). */
@Injectable()
export class DocStoreShutdown implements OnApplicationShutdown {
  constructor(@Inject(DOC_STORE) private readonly store: DocStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

export interface DocStoreModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: (...args: never[]) => DocStoreOptions | Promise<DocStoreOptions>;
  /** Register the tokens for every module of the app (default false). */
  isGlobal?: boolean;
}

const repositoryProviders: Provider[] = [
  {
    provide: LABLET_DEFINITION_REPOSITORY,
    useFactory: (store: DocStore) => store.definitions,
    inject: [DOC_STORE],
  },
  {
    provide: WORKER_TEMPLATE_REPOSITORY,
    useFactory: (store: DocStore) => store.templates,
    inject: [DOC_STORE],
  },
  {
    provide: AUDIT_EVENT_REPOSITORY,
    useFactory: (store: DocStore) => store.auditEvents,
    inject: [DOC_STORE],
  },
];
const exported = [
  DOC_STORE,
  LABLET_DEFINITION_REPOSITORY,
  WORKER_TEMPLATE_REPOSITORY,
  AUDIT_EVENT_REPOSITORY,
];

/**
 * The doc-store for a NestJS app: opens the configured driver at start-up (connect with retry,
 * ensure indexes, seed), provides the three repositories under their tokens and DOC_STORE for
 * `/readyz`, and closes the store on shutdown.
 */
@Module({})
export class DocStoreModule {
  static forRoot(
    options: DocStoreOptions & { isGlobal?: boolean },
  ): DynamicModule {
    const { isGlobal, ...storeOptions } = options;
    return {
      module: DocStoreModule,
      global: isGlobal ?? false,
      providers: [
        {
          provide: DOC_STORE,
          useFactory: () => openDocStore(storeOptions as DocStoreOptions),
        },
        ...repositoryProviders,
        DocStoreShutdown,
      ],
      exports: exported,
    };
  }

  /** Options from the app's config provider: `useFactory: (config: AppConfig) => ({ driver: 'mongo', uri: config.mongoUri })`. */
  static forRootAsync(options: DocStoreModuleAsyncOptions): DynamicModule {
    return {
      module: DocStoreModule,
      global: options.isGlobal ?? false,
      imports: options.imports ?? [],
      providers: [
        {
          provide: DOC_STORE,
          useFactory: async (...args: never[]) =>
            openDocStore(await options.useFactory(...args)),
          inject: options.inject ?? [],
        },
        ...repositoryProviders,
        DocStoreShutdown,
      ],
      exports: exported,
    };
  }

  /**
   * An already-open store, e.g. one memory store shared by the four apps of the embedded default.
   * Its owner closes it, so this module does not (unless `closeOnShutdown`).
   */
  static forStore(
    store: DocStore,
    options: { isGlobal?: boolean; closeOnShutdown?: boolean } = {},
  ): DynamicModule {
    return {
      module: DocStoreModule,
      global: options.isGlobal ?? false,
      providers: [
        { provide: DOC_STORE, useValue: store },
        ...repositoryProviders,
        ...(options.closeOnShutdown ? [DocStoreShutdown] : []),
      ],
      exports: exported,
    };
  }
}
