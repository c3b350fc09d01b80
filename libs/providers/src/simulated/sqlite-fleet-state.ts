import type { Database } from 'better-sqlite3';
import {
  parseFleetSnapshot,
  type SimulatedFleetSnapshot,
} from './fleet-snapshot';
import type { SimulatedFleet } from './simulated-fleet';

/**
 * Keeps a simulated fleet in a SQLite database: the embedded default's, beside its state store, so
 * the data plane and the control plane's records are in one file and a crash cannot split them.
 * The snapshot is saved in its own transaction after every burst of changes, before the operation
 * that made them returns to its caller (SimulatedFleet.onChange): whatever the controller commits
 * about a VM (its provisioning, its lab) refers to fleet state already on disk.
 */
export class SqliteFleetState {
  constructor(
    private readonly db: Database,
    /** Row name: several fleets may share a database. */
    private readonly name = 'default',
  ) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS simulated_fleet (name TEXT PRIMARY KEY, revision INTEGER NOT NULL, snapshot TEXT NOT NULL) WITHOUT ROWID',
    );
  }

  /** The stored snapshot (validated), or undefined when none was saved yet. */
  load(): SimulatedFleetSnapshot | undefined {
    const row = this.db
      .prepare('SELECT snapshot FROM simulated_fleet WHERE name = ?')
      .get(this.name) as { snapshot: string } | undefined;
    return row === undefined
      ? undefined
      : parseFleetSnapshot(JSON.parse(row.snapshot));
  }

  /** Saves the fleet now, and after each of its changes from now on. */
  attach(fleet: SimulatedFleet): void {
    const save = this.db.prepare(
      'INSERT OR REPLACE INTO simulated_fleet (name, revision, snapshot) VALUES (?, ?, ?)',
    );
    const write = () => {
      // Once shutdown closed the database the fleet is no longer used: nothing more to save.
      if (this.db.open)
        save.run(this.name, fleet.revision, JSON.stringify(fleet.snapshot()));
    };
    write();
    fleet.onChange(write);
  }
}
