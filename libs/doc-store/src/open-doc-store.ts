import type { DocStore } from './doc-store';
import { MemoryDocStore, type MemoryDocStoreOptions } from './memory/memory-doc-store';
import { MongoDocStore, type MongoDocStoreOptions } from './mongo/mongo-doc-store';

/** `mongo` for production and integration tests; `memory` for unit tests and the embedded default. */
export type DocStoreOptions = ({ driver: 'mongo' } & MongoDocStoreOptions) | ({ driver: 'memory' } & MemoryDocStoreOptions);

/** Opens a store: connects with retry, ensures indexes and seeds templates as configured. */
export function openDocStore(options: DocStoreOptions): Promise<DocStore> {
  const { driver, ...rest } = options;
  return driver === 'mongo' ? MongoDocStore.open(rest as MongoDocStoreOptions) : MemoryDocStore.open(rest);
}
