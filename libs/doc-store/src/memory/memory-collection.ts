import { DuplicateError, type DocumentKind } from '../errors';

export interface UniqueKey<T> {
  /** Reported in DuplicateError (`{ name, version }`). */
  fields: (doc: T) => Record<string, string>;
}

/**
 * A map of documents by id with unique keys, the memory driver's stand-in for a MongoDB collection
 * and its unique indexes. Documents are copied in and out, so callers never share stored objects.
 * Nothing is kept on disk (unit tests; the embedded default uses the sqlite driver).
 */
export class MemoryCollection<T extends { id: string }> {
  private readonly byId = new Map<string, T>();
  private readonly uniqueIndexes: Map<string, string>[];

  constructor(
    private readonly kind: DocumentKind,
    private readonly uniqueKeys: readonly UniqueKey<T>[],
  ) {
    this.uniqueIndexes = uniqueKeys.map(() => new Map());
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): T | undefined {
    const doc = this.byId.get(id);
    return doc === undefined ? undefined : structuredClone(doc);
  }

  /** Live documents for scans; callers copy what they return. */
  values(): IterableIterator<T> {
    return this.byId.values();
  }

  findOne(predicate: (doc: T) => boolean): T | undefined {
    for (const doc of this.byId.values())
      if (predicate(doc)) return structuredClone(doc);
    return undefined;
  }

  async insert(doc: T): Promise<void> {
    if (this.byId.has(doc.id))
      throw new DuplicateError(this.kind, { id: doc.id });
    this.uniqueKeys.forEach((key, i) => {
      const fields = key.fields(doc);
      if (this.uniqueIndexes[i].has(indexKey(fields)))
        throw new DuplicateError(this.kind, fields);
    });
    this.put(structuredClone(doc));
  }

  /** Replaces a document whose unique keys are unchanged. */
  async replace(doc: T): Promise<void> {
    this.remove(doc.id);
    this.put(structuredClone(doc));
  }

  async delete(id: string): Promise<boolean> {
    return this.remove(id);
  }

  private put(doc: T): void {
    this.byId.set(doc.id, doc);
    this.uniqueKeys.forEach((key, i) =>
      this.uniqueIndexes[i].set(indexKey(key.fields(doc)), doc.id),
    );
  }

  private remove(id: string): boolean {
    const doc = this.byId.get(id);
    if (doc === undefined) return false;
    this.byId.delete(id);
    this.uniqueKeys.forEach((key, i) =>
      this.uniqueIndexes[i].delete(indexKey(key.fields(doc))),
    );
    return true;
  }
}

function indexKey(fields: Record<string, string>): string {
  return JSON.stringify(Object.values(fields));
}
