import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryDocStore } from './memory-doc-store';
import { defaultWorkerTemplatesPath } from '../worker-templates/default-templates';

const yaml = 'lab:\n  title: t\nnodes:\n  - tags:\n      - serial:${PORT_SERIAL_1}\n';
const definition = {
  name: 'LAB',
  version: '1.0.0',
  labYaml: yaml,
  resourceRequirements: { cpuCores: 1, memoryGb: 1, storageGb: 1, nestedVirt: false },
  licenseAffinity: ['PERSONAL' as const],
  nodeCount: 1,
  portTemplate: { ports: [{ name: 'serial_1', protocol: 'tcp' as const }] },
  maxDurationMinutes: 60,
  createdBy: 'tester',
};
const event = { specversion: '1.0' as const, id: 'e1', source: 'lcm/api', type: 'lcm.x', time: '2026-01-16T10:00:00Z', data: { a: 1 } };

describe('MemoryDocStore', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'lcm-docstore-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps definitions, templates and audit events across a restart when given a data directory', async () => {
    const first = await MemoryDocStore.open({ dataDir, seedTemplatesFile: defaultWorkerTemplatesPath() });
    const created = await first.definitions.create(definition);
    await first.definitions.deprecate(created.id, 'admin');
    await first.auditEvents.insertMany([event]);
    const template = await first.templates.getByName('personal-standard');
    await first.templates.update(template.id, { maxNodes: 5 });
    await first.close();

    const second = await MemoryDocStore.open({ dataDir, seedTemplatesFile: defaultWorkerTemplatesPath() });
    expect(await second.definitions.getById(created.id)).toMatchObject({ deprecated: true, deprecatedBy: 'admin', labYaml: yaml });
    expect((await second.templates.getByName('personal-standard')).maxNodes).toBe(5);
    expect((await second.templates.list()).items).toHaveLength(2);
    expect(await second.auditEvents.insertMany([event])).toEqual({ inserted: 0, duplicates: 1 });
    expect((await second.auditEvents.list()).items).toEqual([event]);
    // Uniqueness survives the restart too.
    await expect(second.definitions.create(definition)).rejects.toMatchObject({ code: 'DUPLICATE' });
    await second.close();
  });

  it('writes one JSON file per collection atomically, leaving no temporary files', async () => {
    const store = await MemoryDocStore.open({ dataDir });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.auditEvents.insertMany([{ ...event, id: `e${i}` }])));
    await store.close();
    const files = readdirSync(join(dataDir, 'doc-store')).sort();
    expect(files).toEqual(['audit_events.json']);
    expect(JSON.parse(readFileSync(join(dataDir, 'doc-store', 'audit_events.json'), 'utf8'))).toHaveLength(20);
  });

  it('refuses to start on a corrupt file instead of starting empty', async () => {
    const store = await MemoryDocStore.open({ dataDir });
    await store.definitions.create(definition);
    await store.close();
    writeFileSync(join(dataDir, 'doc-store', 'lablet_definitions.json'), '{"truncated');
    expect(() => new MemoryDocStore({ dataDir })).toThrow(/lablet_definitions\.json is not valid JSON/);
  });

  it('keeps nothing without a data directory', async () => {
    const store = await MemoryDocStore.open();
    await store.definitions.create(definition);
    await store.close();
    expect((await (await MemoryDocStore.open()).definitions.list()).items).toEqual([]);
  });

  it('is ready until closed', async () => {
    const store = await MemoryDocStore.open();
    expect(store.isReady()).toBe(true);
    await store.close();
    expect(store.isReady()).toBe(false);
  });

  it('purges audit events past the retention when it opens', async () => {
    let now = new Date('2025-01-01T00:00:00Z');
    const first = await MemoryDocStore.open({ dataDir, now: () => now });
    await first.auditEvents.insertMany([event]);
    await first.close();
    now = new Date('2025-03-01T00:00:00Z');
    const second = await MemoryDocStore.open({ dataDir, now: () => now, auditRetentionDays: 30 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await second.auditEvents.count()).toBe(0);
    await second.close();
  });
});
