import type { SqliteDatabase } from '@lcm/state-store';
import { DuplicateError, type DocumentKind } from '../errors';
import {
  decodeCursor,
  encodeCursor,
  type Page,
  type SortOrder,
  type SortValue,
} from '../pagination/page';

/** A column kept beside the JSON document, for a filter or a unique key. */
export type ColumnValue = string | number | null;

export interface SqliteCollectionSchema<T> {
  kind: DocumentKind;
  table: string;
  /** The list order; its fields become the columns `sort_0..n` (numbers compare as numbers, dates as ISO instants). */
  order: SortOrder;
  sortKey: (doc: T) => SortValue[];
  /** The document's id (the primary key). */
  id: (doc: T) => string;
  /** Filter columns, by name. */
  columns: Record<string, (doc: T) => ColumnValue>;
  /** Unique keys over filter columns; `fields` is what a DuplicateError reports. */
  unique: {
    name: string;
    columns: string[];
    fields: (doc: T) => Record<string, string>;
  }[];
  /** Further (non-unique) indexes over filter columns. */
  indexes?: { name: string; columns: string[] }[];
}

/** A WHERE fragment and its parameters. */
export interface Condition {
  sql: string;
  params: ColumnValue[];
}

/**
 * The sqlite driver's stand-in for a MongoDB collection: a table of JSON documents, with the
 * columns its queries filter and sort on (derived from the document on every write) and unique
 * indexes for its unique keys. Pages by keyset over the same SortOrder and cursor format as the
 * mongo and memory drivers. When the sort order changes between versions, the columns are
 * recomputed from the stored documents at open.
 */
export class SqliteCollection<T> {
  private readonly sortColumns: string[];
  private readonly filterColumns: string[];

  constructor(
    readonly db: SqliteDatabase,
    private readonly schema: SqliteCollectionSchema<T>,
  ) {
    this.sortColumns = schema.order.map((_, i) => `sort_${i}`);
    this.filterColumns = Object.keys(schema.columns);
    this.migrate();
  }

  get table(): string {
    return this.schema.table;
  }

  /** Inserts; DuplicateError on a taken id or unique key. */
  insert(doc: T): void {
    try {
      this.write('INSERT', doc);
    } catch (error) {
      if (isConstraintError(error))
        throw new DuplicateError(this.schema.kind, this.duplicateFields(doc));
      throw error;
    }
  }

  /** Inserts unless the id or a unique key is taken; false when it was. */
  insertIfAbsent(doc: T): boolean {
    return this.write('INSERT OR IGNORE', doc).changes === 1;
  }

  /** Replaces the document with the same id when `where` holds for the stored one; false otherwise. */
  replace(doc: T, where: Condition = { sql: '1', params: [] }): boolean {
    const columns = this.columnValues(doc);
    const sets = [
      'doc = ?',
      ...this.sortColumns.map((c) => `${c} = ?`),
      ...this.filterColumns.map((c) => `"${c}" = ?`),
    ].join(', ');
    const result = this.db
      .prepare(
        `UPDATE ${this.table} SET ${sets} WHERE id = ? AND (${where.sql})`,
      )
      .run(
        JSON.stringify(doc),
        ...columns,
        this.schema.id(doc),
        ...where.params,
      );
    return result.changes === 1;
  }

  get(id: string): T | undefined {
    return this.findOne({ sql: 'id = ?', params: [id] });
  }

  findOne(where: Condition): T | undefined {
    const row = this.db
      .prepare(`SELECT doc FROM ${this.table} WHERE ${where.sql} LIMIT 1`)
      .get(...where.params) as { doc: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.doc) as T);
  }

  findAll(where: Condition): T[] {
    return (
      this.db
        .prepare(`SELECT doc FROM ${this.table} WHERE ${where.sql}`)
        .all(...where.params) as { doc: string }[]
    ).map((row) => JSON.parse(row.doc) as T);
  }

  count(where: Condition): number {
    return (
      this.db
        .prepare(`SELECT count(*) AS n FROM ${this.table} WHERE ${where.sql}`)
        .get(...where.params) as { n: number }
    ).n;
  }

  delete(where: Condition): number {
    return this.db
      .prepare(`DELETE FROM ${this.table} WHERE ${where.sql}`)
      .run(...where.params).changes;
  }

  /** One page in the collection's order, strictly after the cursor's key; `limit + 1` rows tell whether more follow. */
  page<R>(
    where: Condition,
    limit: number,
    cursor: string | null,
    project: (doc: T) => R,
  ): Page<R> {
    const { order } = this.schema;
    const clauses = [where.sql];
    const params: ColumnValue[] = [...where.params];
    if (cursor !== null) {
      const key = decodeCursor(cursor, order).map((value, i) =>
        order[i].type === 'date'
          ? new Date(value as string).toISOString()
          : value,
      );
      const after = order.map((field, i) => {
        for (let j = 0; j < i; j++) params.push(key[j]);
        params.push(key[i]);
        const equal = this.sortColumns.slice(0, i).map((c) => `${c} = ?`);
        return `(${[...equal, `${this.sortColumns[i]} ${field.direction === 1 ? '>' : '<'} ?`].join(' AND ')})`;
      });
      clauses.push(`(${after.join(' OR ')})`);
    }
    const orderBy = order
      .map(
        (field, i) =>
          `${this.sortColumns[i]} ${field.direction === 1 ? 'ASC' : 'DESC'}`,
      )
      .join(', ');
    const rows = this.db
      .prepare(
        `SELECT doc FROM ${this.table} WHERE ${clauses.join(' AND ')} ORDER BY ${orderBy} LIMIT ?`,
      )
      .all(...params, limit + 1) as { doc: string }[];
    const docs = rows.slice(0, limit).map((row) => JSON.parse(row.doc) as T);
    return {
      items: docs.map(project),
      nextCursor:
        rows.length > limit
          ? encodeCursor(this.schema.sortKey(docs[docs.length - 1]))
          : null,
    };
  }

  private write(verb: 'INSERT' | 'INSERT OR IGNORE', doc: T) {
    const names = [
      'id',
      'doc',
      ...this.sortColumns,
      ...this.filterColumns.map((c) => `"${c}"`),
    ];
    return this.db
      .prepare(
        `${verb} INTO ${this.table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
      )
      .run(this.schema.id(doc), JSON.stringify(doc), ...this.columnValues(doc));
  }

  private columnValues(doc: T): ColumnValue[] {
    return [
      ...this.schema.sortKey(doc),
      ...this.filterColumns.map((c) => this.schema.columns[c](doc)),
    ];
  }

  private duplicateFields(doc: T): Record<string, string> {
    for (const unique of this.schema.unique) {
      const where = unique.columns.map((c) => `"${c}" = ?`).join(' AND ');
      const values = unique.columns.map((c) => this.schema.columns[c](doc));
      if (
        this.db
          .prepare(`SELECT 1 FROM ${this.table} WHERE ${where}`)
          .get(...values)
      )
        return unique.fields(doc);
    }
    return { id: this.schema.id(doc) };
  }

  /** Creates the table and its indexes; adds and recomputes derived columns when the schema changed. */
  private migrate(): void {
    const { table, order } = this.schema;
    const sortDefs = order.map(
      (field, i) =>
        `${this.sortColumns[i]} ${field.type === 'number' ? 'NUMERIC' : 'TEXT'}`,
    );
    const filterDefs = this.filterColumns.map((c) => `"${c}"`);
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, doc TEXT NOT NULL, ${[...sortDefs, ...filterDefs].join(', ')})`,
    );
    const existing = new Set(
      (
        this.db.prepare(`PRAGMA table_info(${table})`).all() as {
          name: string;
        }[]
      ).map((c) => c.name),
    );
    const missing = [...sortDefs, ...filterDefs].filter(
      (def) => !existing.has(def.split(' ')[0].replace(/"/g, '')),
    );
    const signature = JSON.stringify({ order, columns: this.filterColumns });
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS doc_collections (name TEXT PRIMARY KEY, signature TEXT NOT NULL)',
    );
    const stored = this.db
      .prepare('SELECT signature FROM doc_collections WHERE name = ?')
      .get(table) as { signature: string } | undefined;
    this.db.transaction(() => {
      for (const def of missing)
        this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${def}`);
      if (stored !== undefined && stored.signature !== signature) {
        for (const row of this.db.prepare(`SELECT doc FROM ${table}`).all() as {
          doc: string;
        }[])
          this.replace(JSON.parse(row.doc) as T);
      }
      this.db
        .prepare(
          'INSERT OR REPLACE INTO doc_collections (name, signature) VALUES (?, ?)',
        )
        .run(table, signature);
    })();
    this.db.exec(
      `CREATE INDEX IF NOT EXISTS ${table}_order ON ${table} (${order.map((f, i) => `${this.sortColumns[i]} ${f.direction === 1 ? 'ASC' : 'DESC'}`).join(', ')})`,
    );
    for (const unique of this.schema.unique)
      this.db.exec(
        `CREATE UNIQUE INDEX IF NOT EXISTS ${table}_${unique.name} ON ${table} (${unique.columns.map((c) => `"${c}"`).join(', ')})`,
      );
    for (const index of this.schema.indexes ?? [])
      this.db.exec(
        `CREATE INDEX IF NOT EXISTS ${table}_${index.name} ON ${table} (${index.columns.map((c) => `"${c}"`).join(', ')})`,
      );
  }
}

function isConstraintError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    String((error as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT')
  );
}

/** The column starts with `prefix` (exactly: no LIKE wildcards or case folding; SQLite counts the characters). */
export function prefixCondition(column: string, prefix: string): Condition {
  return {
    sql: `substr("${column}", 1, length(?)) = ?`,
    params: [prefix, prefix],
  };
}

/** ANDs conditions (an empty list is "true"). */
export function allOf(conditions: (Condition | undefined)[]): Condition {
  const present = conditions.filter((c): c is Condition => c !== undefined);
  return present.length === 0
    ? { sql: '1', params: [] }
    : {
        sql: present.map((c) => `(${c.sql})`).join(' AND '),
        params: present.flatMap((c) => c.params),
      };
}
