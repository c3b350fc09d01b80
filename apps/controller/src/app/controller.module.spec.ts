import { MemoryDocStore } from '@lcm/doc-store';
import {
  createSimulatedFleet,
  createSimulatedFleetServer,
} from '@lcm/providers';
import { startService } from '@lcm/runtime';
import { MemoryStateStore, StoreUnavailableError } from '@lcm/state-store';
import { cuttable, expectOpsEndpoints } from '@lcm/testing';
import { until } from '../../test/controller-harness';
import { loadControllerConfig } from '../config';
import { ControllerModule } from './controller.module';

describe('ControllerModule', () => {
  async function stores() {
    const state = new MemoryStateStore();
    const docs = await MemoryDocStore.open();
    const platform = {
      state: { driver: 'shared' as const, prefix: '/lcm', store: state },
      docs: { driver: 'shared' as const, store: docs },
    };
    return {
      state,
      docs,
      platform,
      close: async () => (await state.close(), await docs.close()),
    };
  }

  it('boots on shared memory stores and serves /healthz, /readyz and /metrics as controller', async () => {
    const s = await stores();
    const config = loadControllerConfig(
      { CONTROLLER_LEADER_LEASE_TTL_SECONDS: '1' },
      { platform: s.platform },
    );
    const { app, url } = await startService(ControllerModule.forRoot(config), {
      service: 'controller',
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    try {
      await expectOpsEndpoints(url, 'controller');
    } finally {
      await app.close();
      await s.close();
    }
  });

  it('leads, says so on /status and in lcm_leader, and exposes the controller metrics', async () => {
    const s = await stores();
    const config = loadControllerConfig(
      {
        CONTROLLER_REPLICA_ID: 'only-one',
        CONTROLLER_RECONCILE_INTERVAL_SECONDS: '0.1',
      },
      { platform: s.platform },
    );
    const { app, url } = await startService(ControllerModule.forRoot(config), {
      service: 'controller',
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    try {
      await until(
        async () =>
          (
            (await (await fetch(`${url}/status`)).json()) as {
              leader: boolean;
              passes: number;
            }
          ).passes > 0,
        5000,
        'a pass',
      );
      expect(await (await fetch(`${url}/status`)).json()).toMatchObject({
        replicaId: 'only-one',
        enabled: true,
        leader: true,
        currentLeader: 'only-one',
        region: 'us-east-1',
        dataPlane: expect.stringContaining('simulated in-process (fast'),
      });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      for (const name of [
        'lcm_lablet_instances_active',
        'lcm_workers_active',
        'lcm_controller_reconcile_duration_seconds',
        'lcm_instantiation_duration_seconds',
        'lcm_scaling_actions_total',
      ])
        expect(metrics).toContain(`# TYPE ${name}`);
      expect(metrics).toContain('lcm_leader{service="controller"} 1');
      expect(metrics).toContain(
        'lcm_lablet_instances_active{state="running",service="controller"} 0',
      );
    } finally {
      await app.close();
      await s.close();
    }
    expect(
      await s.state.get('/lcm/controller/leader').catch(() => undefined),
    ).toBeUndefined();
  });

  it('answers /status from memory while the store is unreachable (who leads, as last seen)', async () => {
    const s = await stores();
    const leaderConfig = loadControllerConfig(
      { CONTROLLER_REPLICA_ID: 'leader-a' },
      { platform: s.platform },
    );
    const standbyStore = cuttable(
      s.state,
      // From the cut on, every call fails as an unreachable etcd's does.
      () => new StoreUnavailableError('etcd unavailable: injected outage'),
    );
    const standbyConfig = loadControllerConfig(
      { CONTROLLER_REPLICA_ID: 'standby-b' },
      {
        platform: {
          ...s.platform,
          state: { ...s.platform.state, store: standbyStore.value },
        },
      },
    );
    const a = await startService(ControllerModule.forRoot(leaderConfig), {
      service: 'controller',
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    const b = await startService(ControllerModule.forRoot(standbyConfig), {
      service: 'controller',
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    try {
      await until(
        async () =>
          (
            (await (await fetch(`${a.url}/status`)).json()) as {
              leader: boolean;
            }
          ).leader,
        5000,
        'a leads',
      );
      await until(
        async () =>
          (
            (await (await fetch(`${b.url}/status`)).json()) as {
              currentLeader: string | null;
            }
          ).currentLeader === 'leader-a',
        5000,
        'b sees a',
      );
      standbyStore.cut();
      for (let i = 0; i < 3; i++) {
        const reply = await fetch(`${b.url}/status`);
        expect(reply.status).toBe(200);
        expect(await reply.json()).toMatchObject({
          replicaId: 'standby-b',
          leader: false,
          currentLeader: 'leader-a',
        });
      }
    } finally {
      await b.app.close();
      await a.app.close();
      await s.close();
    }
  });

  it('uses an HTTP data plane (PROVIDER=http) and is not ready while it does not answer', async () => {
    const s = await stores();
    const fleet = createSimulatedFleet({ profile: 'zero' });
    const server = await createSimulatedFleetServer(fleet);
    const port = server.port;
    await server.close();
    const config = loadControllerConfig(
      {
        PROVIDER: 'http',
        PROVIDER_URL: `http://127.0.0.1:${port}`,
        PROVIDER_RETRIES: '0',
        CONTROLLER_ENABLED: 'false',
      },
      { platform: s.platform },
    );
    const { app, url } = await startService(ControllerModule.forRoot(config), {
      service: 'controller',
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    try {
      const down = await fetch(`${url}/readyz`);
      expect(down.status).toBe(503);
      expect(JSON.stringify(await down.json())).toContain('does not answer');
      const again = await createSimulatedFleetServer(fleet, { port });
      try {
        expect((await fetch(`${url}/readyz`)).status).toBe(200);
      } finally {
        await again.close();
      }
    } finally {
      await app.close();
      await s.close();
    }
  });
});
