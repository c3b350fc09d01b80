import { createSimulatedFleet, ManualClock } from '@lcm/providers';
import { MemoryStateStore } from '@lcm/state-store';
import { loadControllerConfig } from './config';

describe('loadControllerConfig', () => {
  const platform = {
    state: {
      driver: 'shared' as const,
      prefix: '/lcm',
      store: new MemoryStateStore(),
    },
  };

  it('has the SPEC defaults', () => {
    const config = loadControllerConfig({}, { platform });
    expect(config.controller).toEqual({
      enabled: true,
      replicaId: expect.stringMatching(/.+-\d+-[0-9a-f]{6}$/),
      reconcileIntervalSeconds: 30,
      leaderLeaseTtlSeconds: 10,
      requeueDelayMs: 1000,
      concurrency: 16,
      statusSyncSeconds: 30,
      scaleDownGracePeriodMinutes: 30,
      leadTimeMinutes: 35,
      instantiationTimeoutMinutes: 15,
      terminatedRetentionMinutes: 60,
      autoCollectAtTimeslotEnd: true,
      collectionTimeoutMinutes: 60,
      deleteGraceSeconds: 60,
      minWarmWorkers: 0,
      maxWorkersPerTemplate: 100,
      maxWorkers: 200,
      region: 'us-east-1',
    });
    expect(config.dataPlane).toEqual({
      kind: 'simulated',
      profile: 'fast',
      seed: 1,
    });
    expect(config.port).toBe(3002);
  });

  it('reads every setting', () => {
    const config = loadControllerConfig(
      {
        CONTROLLER_ENABLED: 'false',
        CONTROLLER_REPLICA_ID: 'ctl-2',
        CONTROLLER_RECONCILE_INTERVAL_SECONDS: '0.5',
        CONTROLLER_LEADER_LEASE_TTL_SECONDS: '3',
        CONTROLLER_SCALE_DOWN_GRACE_PERIOD_MINUTES: '0.5',
        LEAD_TIME_MINUTES: '2',
        INSTANTIATION_TIMEOUT_MINUTES: '1',
        TERMINATED_RETENTION_MINUTES: '5',
        AUTO_COLLECT_AT_TIMESLOT_END: 'false',
        COLLECTION_TIMEOUT_MINUTES: '7',
        DELETE_GRACE_SECONDS: '15',
        MIN_WARM_WORKERS: '1',
        MAX_WORKERS_PER_TEMPLATE: '3',
        MAX_WORKERS: '4',
        REGION: 'us-east-1',
        PROVIDER: 'http',
        PROVIDER_URL: 'http://127.0.0.1:4010',
      },
      { platform },
    );
    expect(config.controller).toMatchObject({
      enabled: false,
      replicaId: 'ctl-2',
      reconcileIntervalSeconds: 0.5,
      leaderLeaseTtlSeconds: 3,
      scaleDownGracePeriodMinutes: 0.5,
      leadTimeMinutes: 2,
      instantiationTimeoutMinutes: 1,
      terminatedRetentionMinutes: 5,
      autoCollectAtTimeslotEnd: false,
      collectionTimeoutMinutes: 7,
      deleteGraceSeconds: 15,
      minWarmWorkers: 1,
      maxWorkersPerTemplate: 3,
      maxWorkers: 4,
      region: 'us-east-1',
    });
    expect(config.dataPlane).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:4010',
      timeoutMs: 30_000,
      retries: 3,
    });
  });

  it('takes an in-process simulated fleet from SIM_* or an injected data plane and clock', () => {
    expect(
      loadControllerConfig(
        {
          SIM_PROFILE: 'zero',
          SIM_SEED: 'abc',
          SIM_STATE_FILE: '/tmp/fleet.json',
        },
        { platform },
      ).dataPlane,
    ).toEqual({
      kind: 'simulated',
      profile: 'zero',
      seed: 'abc',
      stateFile: '/tmp/fleet.json',
    });
    const clock = new ManualClock();
    const fleet = createSimulatedFleet({ clock });
    const config = loadControllerConfig(
      { PROVIDER: 'http' },
      {
        platform,
        dataPlane: { provider: fleet.provider, runtime: fleet.runtime },
        clock,
      },
    );
    expect(config.dataPlane).toEqual({
      kind: 'injected',
      provider: fleet.provider,
      runtime: fleet.runtime,
    });
    expect(config.clock).toBe(clock);
  });

  it('fails fast, naming every problem at once', () => {
    expect(() =>
      loadControllerConfig(
        {
          PROVIDER: 'http',
          CONTROLLER_LEADER_LEASE_TTL_SECONDS: '0',
          MAX_WORKERS: '10',
          MAX_WORKERS_PER_TEMPLATE: '20',
          SIM_PROFILE: 'slow',
          AUTO_COLLECT_AT_TIMESLOT_END: 'maybe',
          LEAD_TIME_MINUTES: '-1',
        },
        { platform },
      ),
    ).toThrow(
      /CONTROLLER_LEADER_LEASE_TTL_SECONDS must be between 1[\s\S]*LEAD_TIME_MINUTES[\s\S]*AUTO_COLLECT_AT_TIMESLOT_END must be true or false[\s\S]*MAX_WORKERS_PER_TEMPLATE \(20\) cannot exceed MAX_WORKERS \(10\)[\s\S]*PROVIDER_URL is required when PROVIDER=http/,
    );
    expect(() =>
      loadControllerConfig(
        { PROVIDER: 'http', PROVIDER_URL: 'ftp://x' },
        { platform },
      ),
    ).toThrow(/PROVIDER_URL must be an http\(s\) URL/);
    expect(() =>
      loadControllerConfig({ SIM_PROFILE: 'slow' }, { platform }),
    ).toThrow(/SIM_PROFILE must be one of fast, zero, realistic/);
  });

  it('refuses to start standalone without its servers, naming the missing settings', () => {
    expect(() => loadControllerConfig({})).toThrow(
      /ETCD_ENDPOINTS is required[\s\S]*MONGODB_URI is required/,
    );
  });
});
