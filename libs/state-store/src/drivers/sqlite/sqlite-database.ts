import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

type BetterSqlite3 = typeof Database;
let betterSqlite3: BetterSqlite3 | undefined;

/**
 * better-sqlite3, loaded when the first database opens: only the embedded default uses SQLite, and
 * its native library costs every app on etcd and MongoDB ~5 MB of resident memory for nothing.
 */
function loadBetterSqlite3(): BetterSqlite3 {
  betterSqlite3 ??= require('better-sqlite3') as BetterSqlite3;
  return betterSqlite3;
}

/**
 * Opens (creating when absent) the SQLite database of the embedded default: one file holding the
 * state store, the document store and the simulated fleet, so one commit is one crash-consistent
 * point for all of them.
 *
 * - `journal_mode = WAL`: a commit appends to the write-ahead log (no rewrite of the database
 *   file), readers never block the writer, and a crash at any instant leaves the last committed
 *   transaction intact.
 * - `synchronous = FULL`: every commit fsyncs the WAL before it returns, so a write acknowledged
 *   after its transaction committed survives a power loss or an OS crash too, not only a crash of
 *   the process (`NORMAL` would only guarantee the latter). One fsync per commit is the price.
 * - `locking_mode = EXCLUSIVE`: the process that opened the file holds its lock until it exits (a
 *   SIGKILL releases it with the process). A second LCM on the same data directory fails at once
 *   instead of writing beside the first; and so every lease found at open belongs to a dead process.
 */
export function openSqliteDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new (loadBetterSqlite3())(path);
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // Take the exclusive lock now: a write transaction (that changes nothing) acquires it for good.
    db.exec('BEGIN IMMEDIATE; COMMIT');
  } catch (error) {
    db.close();
    if (/locked|busy/i.test((error as Error).message)) {
      throw new Error(
        `${path} is in use by another process (only one LCM may open a data directory): ${(error as Error).message}`,
        { cause: error },
      );
    }
    throw error;
  }
  return db;
}
