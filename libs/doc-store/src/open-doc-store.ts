import type { DocStore } from './doc-store';
import {
  MemoryDocStore,
  type MemoryDocStoreOptions,
} from './memory/memory-doc-store';
import {
  MongoDocStore,
  type MongoDocStoreOptions,
} from './mongo/mongo-doc-store';
import {
  SqliteDocStore,
  type SqliteDocStoreOptions,
} from './sqlite/sqlite-doc-store';

/** `mongo` for production and integration tests; `sqlite` for the embedded default; `memory` for unit tests. */
export type DocStoreOptions =
  | ({ driver: 'mongo' } & MongoDocStoreOptions)
  | ({ driver: 'sqlite' } & SqliteDocStoreOptions)
  | ({ driver: 'memory' } & MemoryDocStoreOptions);

/** Opens a store: connects with retry, ensures indexes and seeds templates as configured. */
export function openDocStore(options: DocStoreOptions): Promise<DocStore> {
  switch (options.driver) {
    case 'mongo':
      return MongoDocStore.open(options);
    case 'sqlite':
      return SqliteDocStore.open(options);
    case 'memory':
      return MemoryDocStore.open(options);
  }
}
