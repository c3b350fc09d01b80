import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase, type SqliteDatabase } from '@lcm/state-store';
import type { SortOrder } from '../pagination/page';
import { SqliteCollection } from './sqlite-collection';

interface Committed {
  id: string;
  revision: number;
  position: number;
}

// Commit order as the audit trail needs it: revision, then position, newest first, as numbers.
const COMMIT_ORDER: SortOrder = [
  { field: 'revision', direction: -1, type: 'number' },
  { field: 'position', direction: -1, type: 'number' },
];

describe('SqliteCollection', () => {
  let dir: string;
  let db: SqliteDatabase;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lcm-sqlite-collection-'));
    db = openSqliteDatabase(join(dir, 'c.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sorts number fields as numbers (revision 10 after 9 and 7), also across page cursors', () => {
    const events = new SqliteCollection<Committed>(db, {
      kind: 'auditEvent',
      table: 'committed',
      order: COMMIT_ORDER,
      sortKey: (e) => [e.revision, e.position],
      id: (e) => e.id,
      columns: {},
      unique: [],
    });
    for (const [revision, position] of [
      [7, 0],
      [10, 0],
      [9, 1],
      [10, 1],
      [9, 0],
      [100, 0],
    ])
      events.insert({ id: `i:${revision}:${position}`, revision, position });
    const first = events.page({ sql: '1', params: [] }, 4, null, (e) => e.id);
    expect(first.items).toEqual(['i:100:0', 'i:10:1', 'i:10:0', 'i:9:1']);
    const second = events.page(
      { sql: '1', params: [] },
      4,
      first.nextCursor,
      (e) => e.id,
    );
    expect(second).toEqual({ items: ['i:9:0', 'i:7:0'], nextCursor: null });
  });
});
