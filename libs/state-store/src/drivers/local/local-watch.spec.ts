import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@lcm/testing';
import type { StateStore } from '../../port/state-store';
import { MemoryStateStore } from '../memory/memory-state-store';
import { SqliteStateStore } from '../sqlite/sqlite-state-store';

const drivers: [string, () => { store: StateStore; remove(): void }][] = [
  [
    'memory',
    () => ({ store: new MemoryStateStore(), remove: () => undefined }),
  ],
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'lcm-local-watch-'));
      return {
        store: new SqliteStateStore({ path: join(dir, 'lcm.db') }),
        remove: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
];

describe.each(drivers)('in-process watches (%s)', (_driver, open) => {
  it("run their handlers in the watcher's async context, not the writer's (one process, several apps)", async () => {
    const app = new AsyncLocalStorage<string>();
    const { store, remove } = open();
    const seen: (string | undefined)[] = [];
    try {
      const watch = await app.run('scheduler', () =>
        store.watch('/lcm/instances/', 0, {
          onBatch: async () => void seen.push(app.getStore()),
          onCancelled: () => undefined,
        }),
      );
      await app.run('api', () =>
        store.txn({
          compare: [],
          success: [{ type: 'put', key: '/lcm/instances/i-1', value: '{}' }],
        }),
      );
      await store.txn({
        compare: [],
        success: [{ type: 'put', key: '/lcm/instances/i-2', value: '{}' }],
      });
      await until(() => seen.length === 2);
      expect(seen).toEqual(['scheduler', 'scheduler']);
      await watch.cancel();
    } finally {
      await store.close();
      remove();
    }
  });
});
