import { MemoryDocStore } from '@lcm/doc-store';
import { startService } from '@lcm/runtime';
import { MemoryStateStore } from '@lcm/state-store';
import { expectOpsEndpoints, until } from '@lcm/testing';
import { loadSchedulerConfig } from '../config';
import { SchedulerModule } from './scheduler.module';

describe('SchedulerModule', () => {
  let state: MemoryStateStore;
  let docs: MemoryDocStore;

  beforeEach(async () => {
    state = new MemoryStateStore();
    docs = await MemoryDocStore.open();
  });

  afterEach(async () => {
    await state.close();
    await docs.close();
  });

  const shared = () => ({ platform: { state: { driver: 'shared' as const, prefix: '/lcm', store: state }, docs: { driver: 'shared' as const, store: docs } } });

  it('boots on shared memory stores and serves /healthz, /readyz and /metrics as scheduler', async () => {
    const { app, url } = await startService(SchedulerModule.forRoot(loadSchedulerConfig({}, shared())), { service: 'scheduler', port: 0, host: '127.0.0.1', logLevel: 'silent' });
    try {
      await expectOpsEndpoints(url, 'scheduler');
    } finally {
      await app.close();
    }
  });

  it('leads when alone, says so on /scheduler/status and in lcm_leader, and resigns on shutdown', async () => {
    const config = loadSchedulerConfig({ SCHEDULER_REPLICA_ID: 'sched-1' }, shared());
    const { app, url } = await startService(SchedulerModule.forRoot(config), { service: 'scheduler', port: 0, host: '127.0.0.1', logLevel: 'silent' });
    try {
      const status = async () => (await (await fetch(`${url}/scheduler/status`)).json()) as Record<string, unknown>;
      await until(async () => (await status())['leader'] === true, 5000, 'leadership');
      expect(await status()).toMatchObject({ replicaId: 'sched-1', leader: true, currentLeader: 'sched-1', enabled: true });
      expect(await (await fetch(`${url}/metrics`)).text()).toContain('lcm_leader{service="scheduler"} 1');
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      await app.close();
    }
    expect(await state.get('/lcm/scheduler/leader')).toBeUndefined();
  });

  it('refuses to start standalone without its servers, naming the missing settings (etcd, and MongoDB for the templates)', () => {
    expect(() => loadSchedulerConfig({})).toThrow(/ETCD_ENDPOINTS is required[\s\S]*MONGODB_URI is required/);
  });
});
