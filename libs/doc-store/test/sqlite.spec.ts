import { ManualClock } from '@lcm/domain';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase, type SqliteDatabase } from '@lcm/state-store';
import {
  SqliteAuditEventRepository,
  SqliteDocStore,
  SqliteLabletDefinitionRepository,
  SqliteWorkerTemplateRepository,
} from '../src';
import { defaultWorkerTemplatesPath } from '../src/worker-templates/default-templates';
import {
  cloudEvent,
  definitionInput,
  describeAuditRepositoryContract,
  describeDefinitionRepositoryContract,
  describeTemplateRepositoryContract,
} from './contract';

// The sqlite driver against the same contract the mongo and memory drivers meet: a real database
// file (WAL, synchronous FULL); each test starts from empty tables.
let dir: string;
let db: SqliteDatabase;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lcm-sqlite-docs-'));
  db = openSqliteDatabase(join(dir, 'contract.db'));
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});
const emptied = (table: string) => {
  db.exec(`DELETE FROM ${table}`);
};

describeDefinitionRepositoryContract('sqlite', async ({ clock }) => {
  const repository = new SqliteLabletDefinitionRepository(db, { clock });
  emptied('lablet_definitions');
  return repository;
});
describeTemplateRepositoryContract('sqlite', async ({ clock }) => {
  const repository = new SqliteWorkerTemplateRepository(db, { clock });
  emptied('worker_templates');
  return repository;
});
describeAuditRepositoryContract('sqlite', async ({ clock }) => {
  const repository = new SqliteAuditEventRepository(db, { clock });
  emptied('audit_events');
  return repository;
});

describe('SqliteDocStore', () => {
  let dataDir: string;
  beforeEach(
    () => (dataDir = mkdtempSync(join(tmpdir(), 'lcm-sqlite-docstore-'))),
  );
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps definitions, templates and audit events across a restart, uniqueness included', async () => {
    const path = join(dataDir, 'lcm.db');
    const first = await SqliteDocStore.open({
      path,
      seedTemplatesFile: defaultWorkerTemplatesPath(),
    });
    const created = await first.definitions.create(definitionInput());
    await first.definitions.deprecate(created.id, 'admin');
    await first.auditEvents.insertMany([cloudEvent({ id: 'e1' })]);
    const template = await first.templates.getByName('personal-standard');
    await first.templates.update(template.id, { maxNodes: 5 });
    await first.close();

    const second = await SqliteDocStore.open({
      path,
      seedTemplatesFile: defaultWorkerTemplatesPath(),
    });
    expect(await second.definitions.getById(created.id)).toMatchObject({
      deprecated: true,
      deprecatedBy: 'admin',
      labYaml: created.labYaml,
    });
    expect(
      (await second.templates.getByName('personal-standard')).maxNodes,
    ).toBe(5);
    expect(
      await second.auditEvents.insertMany([cloudEvent({ id: 'e1' })]),
    ).toEqual({ inserted: 0, duplicates: 1 });
    await expect(
      second.definitions.create(definitionInput()),
    ).rejects.toMatchObject({ code: 'DUPLICATE' });
    await second.close();
  });

  it('recomputes its sort columns from the stored documents when a list order changed between versions', async () => {
    const path = join(dataDir, 'lcm.db');
    const first = await SqliteDocStore.open({ path });
    await first.auditEvents.insertMany([
      cloudEvent({ id: 'a', time: '2026-01-01T00:00:00.000Z' }),
      cloudEvent({ id: 'b', time: '2026-01-02T00:00:00.000Z' }),
    ]);
    await first.close();
    const raw = openSqliteDatabase(path);
    // As if an older version had written other sort values under another order.
    raw.exec(
      "UPDATE audit_events SET sort_0 = 'stale'; UPDATE doc_collections SET signature = 'old' WHERE name = 'audit_events'",
    );
    raw.close();
    const second = await SqliteDocStore.open({ path });
    expect((await second.auditEvents.list()).items.map((e) => e.id)).toEqual([
      'b',
      'a',
    ]);
    await second.close();
  });

  it('purges audit events past the retention when it opens', async () => {
    const path = join(dataDir, 'lcm.db');
    const clock = new ManualClock('2025-01-01T00:00:00Z');
    const first = await SqliteDocStore.open({ path, clock });
    await first.auditEvents.insertMany([cloudEvent({ id: 'old' })]);
    await first.close();
    await clock.advanceTo('2025-03-01T00:00:00Z');
    const second = await SqliteDocStore.open({
      path,
      clock,
      auditRetentionDays: 30,
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await second.auditEvents.count()).toBe(0);
    await second.close();
  });

  it('is ready until closed', async () => {
    const store = await SqliteDocStore.open({ path: join(dataDir, 'lcm.db') });
    expect(store.isReady()).toBe(true);
    await store.close();
    expect(store.isReady()).toBe(false);
  });
});
