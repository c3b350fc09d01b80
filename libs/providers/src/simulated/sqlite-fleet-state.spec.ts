import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSimulatedFleet } from './simulated-fleet';
import { SqliteFleetState } from './sqlite-fleet-state';
import {
  LAB_YAML,
  makeFleet,
  provisionRequest,
  readyWorker,
  TEST_TIMING,
} from '../../test/simulated-fixtures';

describe('SqliteFleetState', () => {
  let dir: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lcm-fleet-'));
    db = new Database(join(dir, 'lcm.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const storedVmIds = () => {
    const row = db.prepare('SELECT snapshot FROM simulated_fleet').get() as
      | { snapshot: string }
      | undefined;
    return row === undefined
      ? []
      : (JSON.parse(row.snapshot) as { vms: { id: string }[] }).vms.map(
          (vm) => vm.id,
        );
  };

  it('has saved a change when the operation that made it returns to its caller', async () => {
    const { fleet } = makeFleet();
    const state = new SqliteFleetState(db);
    expect(state.load()).toBeUndefined();
    state.attach(fleet);
    expect(storedVmIds()).toEqual([]);
    const vm = await fleet.provider.provision(provisionRequest('w1'));
    // Nothing ran between the provision and this line: the row was written before the caller resumed.
    expect(storedVmIds()).toEqual([vm.id]);
    await fleet.provider.terminate(vm.id);
    expect(
      JSON.parse(
        (
          db.prepare('SELECT snapshot FROM simulated_fleet').get() as {
            snapshot: string;
          }
        ).snapshot,
      ).vms[0].phase,
    ).toBe('terminate');
  });

  it('restores a fleet with its VMs and labs from the database', async () => {
    const { fleet, clock } = makeFleet({ labImportMs: 0 });
    new SqliteFleetState(db).attach(fleet);
    const ready = await readyWorker(fleet, clock, 'w-ready');
    const { labId } = await fleet.runtime.importLab(ready.host, {
      idempotencyKey: 'inst-1',
      title: 'lab',
      yaml: LAB_YAML,
    });

    const restored = createSimulatedFleet({
      ...TEST_TIMING,
      clock,
      labImportMs: 0,
      snapshot: new SqliteFleetState(db).load(),
    });
    expect(JSON.stringify(restored.snapshot())).toBe(
      JSON.stringify(fleet.snapshot()),
    );
    expect(await restored.runtime.labState(ready.host, labId)).toBe(
      await fleet.runtime.labState(ready.host, labId),
    );
  });
});
