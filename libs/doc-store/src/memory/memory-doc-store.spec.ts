import { ManualClock } from '@lcm/domain';
import { MemoryDocStore } from './memory-doc-store';

const yaml =
  'lab:\n  title: t\nnodes:\n  - tags:\n      - serial:${PORT_SERIAL_1}\n';
const definition = {
  name: 'LAB',
  version: '1.0.0',
  labYaml: yaml,
  resourceRequirements: {
    cpuCores: 1,
    memoryGb: 1,
    storageGb: 1,
    nestedVirt: false,
  },
  licenseAffinity: ['PERSONAL' as const],
  nodeCount: 1,
  portTemplate: { ports: [{ name: 'serial_1', protocol: 'tcp' as const }] },
  maxDurationMinutes: 60,
  createdBy: 'tester',
};
const event = {
  specversion: '1.0' as const,
  id: 'e1',
  source: 'lcm/api',
  type: 'lcm.x',
  time: '2026-01-16T10:00:00Z',
  data: { a: 1 },
};

describe('MemoryDocStore', () => {
  it('keeps nothing beyond the store (unit tests; the embedded default persists with sqlite)', async () => {
    const store = await MemoryDocStore.open();
    await store.definitions.create(definition);
    await store.close();
    expect(
      (await (await MemoryDocStore.open()).definitions.list()).items,
    ).toEqual([]);
  });

  it('is ready until closed', async () => {
    const store = await MemoryDocStore.open();
    expect(store.isReady()).toBe(true);
    await store.close();
    expect(store.isReady()).toBe(false);
  });

  it('purges audit events past the retention on its purge timer', async () => {
    const clock = new ManualClock('2025-01-01T00:00:00Z');
    const store = await MemoryDocStore.open({
      clock,
      auditRetentionDays: 30,
      purgeIntervalMs: 20,
    });
    await store.auditEvents.insertMany([event]);
    expect(await store.auditEvents.count()).toBe(1);
    await clock.advanceTo('2025-03-01T00:00:00Z');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await store.auditEvents.count()).toBe(0);
    await store.close();
  });
});
