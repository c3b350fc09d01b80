import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStateStore, SqliteStateStore } from '@lcm/state-store';
import { describeWatchCacheReads } from '../../test/watch-cache-reads';

describeWatchCacheReads('memory', () => ({
  store: new MemoryStateStore(),
  cleanup: () => undefined,
}));

describeWatchCacheReads('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'api-watch-cache-'));
  return {
    store: new SqliteStateStore({ path: join(dir, 'lcm.db') }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
});
