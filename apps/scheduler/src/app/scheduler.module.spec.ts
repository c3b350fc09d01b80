import { MemoryDocStore } from '@lcm/doc-store';
import { MemoryStateStore } from '@lcm/state-store';
import { expectOpsEndpoints } from '@lcm/testing';
import { loadSchedulerConfig } from '../config';
import { SchedulerModule } from './scheduler.module';

describe('SchedulerModule', () => {
  it('boots on shared memory stores and serves /healthz, /readyz and /metrics as scheduler', async () => {
    const state = new MemoryStateStore();
    const docs = await MemoryDocStore.open();
    const config = loadSchedulerConfig({}, { platform: { state: { driver: 'shared', prefix: '/lcm', store: state }, docs: { driver: 'shared', store: docs } } });
    await expectOpsEndpoints(SchedulerModule.forRoot(config), 'scheduler');
    await state.close();
    await docs.close();
  });

  it('refuses to start standalone without its servers, naming the missing settings', () => {
    expect(() => loadSchedulerConfig({})).toThrow(/ETCD_ENDPOINTS is required/);
  });
});
