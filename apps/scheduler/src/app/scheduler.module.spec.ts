import { MemoryDocStore } from '@lcm/doc-store';
import { startService } from '@lcm/runtime';
import { MemoryStateStore, StoreUnavailableError } from '@lcm/state-store';
import { cuttable, expectOpsEndpoints, until } from '@lcm/testing';
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

  const shared = () => ({
    platform: {
      state: { driver: 'shared' as const, prefix: '/lcm', store: state },
      docs: { driver: 'shared' as const, store: docs },
    },
  });

  it('boots on shared memory stores and serves /healthz, /readyz and /metrics as scheduler', async () => {
    const { app, url } = await startService(
      SchedulerModule.forRoot(loadSchedulerConfig({}, shared())),
      { service: 'scheduler', port: 0, host: '127.0.0.1', logLevel: 'silent' },
    );
    try {
      await expectOpsEndpoints(url, 'scheduler');
    } finally {
      await app.close();
    }
  });

  it('leads when alone, says so on /scheduler/status and in lcm_leader, and resigns on shutdown', async () => {
    const config = loadSchedulerConfig(
      { SCHEDULER_REPLICA_ID: 'sched-1' },
      shared(),
    );
    const { app, url } = await startService(SchedulerModule.forRoot(config), {
      service: 'scheduler',
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    try {
      const status = async () =>
        (await (await fetch(`${url}/scheduler/status`)).json()) as Record<
          string,
          unknown
        >;
      await until(
        async () => (await status())['leader'] === true,
        5000,
        'leadership',
      );
      expect(await status()).toMatchObject({
        replicaId: 'sched-1',
        leader: true,
        currentLeader: 'sched-1',
        enabled: true,
      });
      expect(await (await fetch(`${url}/metrics`)).text()).toContain(
        'lcm_leader{service="scheduler"} 1',
      );
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      await app.close();
    }
    expect(await state.get('/lcm/scheduler/leader')).toBeUndefined();
  });

  it('answers /scheduler/status from memory while the store is unreachable (who leads, as last seen)', async () => {
    const standbyStore = cuttable(
      state,
      // From the cut on, every call fails as an unreachable etcd's does.
      () => new StoreUnavailableError('etcd unavailable: injected outage'),
    );
    const a = await startService(
      SchedulerModule.forRoot(
        loadSchedulerConfig({ SCHEDULER_REPLICA_ID: 'sched-a' }, shared()),
      ),
      { service: 'scheduler', port: 0, host: '127.0.0.1', logLevel: 'silent' },
    );
    const standby = {
      platform: {
        ...shared().platform,
        state: {
          driver: 'shared' as const,
          prefix: '/lcm',
          store: standbyStore.value,
        },
      },
    };
    const b = await startService(
      SchedulerModule.forRoot(
        loadSchedulerConfig({ SCHEDULER_REPLICA_ID: 'sched-b' }, standby),
      ),
      { service: 'scheduler', port: 0, host: '127.0.0.1', logLevel: 'silent' },
    );
    try {
      const status = async (url: string) =>
        (await (await fetch(`${url}/scheduler/status`)).json()) as Record<
          string,
          unknown
        >;
      await until(
        async () => (await status(a.url))['leader'] === true,
        5000,
        'a leads',
      );
      await until(
        async () => (await status(b.url))['currentLeader'] === 'sched-a',
        5000,
        'b sees a',
      );
      standbyStore.cut();
      for (let i = 0; i < 3; i++) {
        const reply = await fetch(`${b.url}/scheduler/status`);
        expect(reply.status).toBe(200);
        expect(await reply.json()).toMatchObject({
          replicaId: 'sched-b',
          leader: false,
          currentLeader: 'sched-a',
        });
      }
    } finally {
      await b.app.close();
      await a.app.close();
    }
  });

  it('refuses to start standalone without its servers, naming the missing settings (etcd, and MongoDB for the templates)', () => {
    expect(() => loadSchedulerConfig({})).toThrow(
      /ETCD_ENDPOINTS is required[\s\S]*MONGODB_URI is required/,
    );
  });
});
