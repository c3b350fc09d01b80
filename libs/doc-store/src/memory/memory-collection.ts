import { DuplicateError, type DocumentKind } from '../errors';
import { JsonFile } from './json-file';

export interface UniqueKey<T> {
  /** Reported in DuplicateError (`{ name, version }`). */
  fields: (doc: T) => Record<string, string>;
}

/**
 * A map of documents by id with unique keys, the memory driver's stand-in for a MongoDB collection
 * and its unique indexes. Documents are copied in and out, so callers never share stored objects.
 * With a JsonFile every change is persisted before the caller's promise resolves.
 */
export class MemoryCollection<T extends { id: string }> {
  private readonly byId = new Map<string, T>();
  private readonly uniqueIndexes: Map<string, string>[];
  private readonly file?: JsonFile;

  /** `filePath`: persist to (and load from) this JSON file. */
  constructor(
    private readonly kind: DocumentKind,
    private readonly uniqueKeys: readonly UniqueKey<T>[],
    filePath?: string,
  ) {
    this.uniqueIndexes = uniqueKeys.map(() => new Map());
    if (filePath !== undefined) {
      this.file = new JsonFile(filePath, () => [...this.byId.values()]);
      const stored = this.file.read();
      if (stored !== undefined && !Array.isArray(stored)) throw new Error(`doc-store: ${filePath} does not hold a list of documents`);
      // Trusted: this collection wrote them.
      for (const doc of (stored ?? []) as T[]) this.put(doc);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  /** Resolves when every write so far is on disk. */
  settle(): Promise<void> {
    return this.file?.settle() ?? Promise.resolve();
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
    for (const doc of this.byId.values()) if (predicate(doc)) return structuredClone(doc);
    return undefined;
  }

  async insert(doc: T): Promise<void> {
    if (this.byId.has(doc.id)) throw new DuplicateError(this.kind, { id: doc.id });
    this.uniqueKeys.forEach((key, i) => {
      const fields = key.fields(doc);
      if (this.uniqueIndexes[i].has(indexKey(fields))) throw new DuplicateError(this.kind, fields);
    });
    this.put(structuredClone(doc));
    await this.file?.save();
  }

  /** Replaces a document whose unique keys are unchanged. */
  async replace(doc: T): Promise<void> {
    this.remove(doc.id);
    this.put(structuredClone(doc));
    await this.file?.save();
  }

  async delete(id: string): Promise<boolean> {
    const removed = this.remove(id);
    if (removed) await this.file?.save();
    return removed;
  }

  private put(doc: T): void {
    this.byId.set(doc.id, doc);
    this.uniqueKeys.forEach((key, i) => this.uniqueIndexes[i].set(indexKey(key.fields(doc)), doc.id));
  }

  private remove(id: string): boolean {
    const doc = this.byId.get(id);
    if (doc === undefined) return false;
    this.byId.delete(id);
    this.uniqueKeys.forEach((key, i) => this.uniqueIndexes[i].delete(indexKey(key.fields(doc))));
    return true;
  }
}

function indexKey(fields: Record<string, string>): string {
  return JSON.stringify(Object.values(fields));
}
