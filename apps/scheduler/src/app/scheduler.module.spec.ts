import { MemoryDocStore } from '@lcm/doc-store';
import { MemoryStateStore } from '@lcm/state-store';
import { startService } from '@lcm/runtime';
import { expectOpsEndpoints } from '@lcm/testing';
import { loadSchedulerConfig } from '../config';
import { SchedulerModule } from './scheduler.module';

describe('SchedulerModule', () => {
  it('boots on shared memory stores and serves /healthz, /readyz and /metrics as scheduler', async () => {
    const state = new MemoryStateStore();
    const docs = await MemoryDocStore.open();
    const config = loadSchedulerConfig({}, { platform: { state: { driver: 'shared', prefix: '/lcm', store: state }, docs: { driver: 'shared', store: docs } } });
    const { app, url } = await startService(SchedulerModule.forRoot(config), { service: 'scheduler', port: 0, host: '127.0.0.1', logLevel: 'silent' });
    try {
      await expectOpsEndpoints(url, 'scheduler');
    } finally {
      await app.close();
    }
    await state.close();
    await docs.close();
  });

  it('refuses to start standalone without its servers, naming the missing settings', () => {
    expect(() => loadSchedulerConfig({})).toThrow(/ETCD_ENDPOINTS is required/);
  });
});
