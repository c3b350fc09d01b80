import { ManualClock } from '@lcm/domain';
import { createSimulatedFleet } from '@lcm/providers';
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
      passMaxItems: 1000,
      statusSyncSeconds: 30,
      licenseSyncSeconds: 300,
      // Booking-aware scale-down keeps what bookings need: the grace only hedges for walk-ins.
      scaleDownGracePeriodMinutes: 10,
      leadTimeMinutes: 35,
      instantiationAllowanceMinutes: 15,
      instantiationTimeoutMinutes: 15,
      terminatedRetentionMinutes: 60,
      timeslotGraceMinutes: 5,
      autoCollectAtTimeslotEnd: true,
      collectionTimeoutMinutes: 60,
      deleteGraceSeconds: 60,
      minWarmWorkers: 0,
      maxWorkersPerTemplate: 100,
      maxWorkers: 200,
      maxScaleUpInFlight: 20,
      region: 'us-east-1',
      orphanSweepSeconds: 300,
      orphanGraceMinutes: 30,
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
        TIMESLOT_GRACE_MINUTES: '3',
        AUTO_COLLECT_AT_TIMESLOT_END: 'false',
        COLLECTION_TIMEOUT_MINUTES: '7',
        DELETE_GRACE_SECONDS: '15',
        MIN_WARM_WORKERS: '1',
        MAX_WORKERS_PER_TEMPLATE: '3',
        MAX_WORKERS: '4',
        MAX_SCALE_UP_IN_FLIGHT: '6',
        INSTANTIATION_ALLOWANCE_MINUTES: '9',
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
      timeslotGraceMinutes: 3,
      autoCollectAtTimeslotEnd: false,
      collectionTimeoutMinutes: 7,
      deleteGraceSeconds: 15,
      minWarmWorkers: 1,
      maxWorkersPerTemplate: 3,
      maxWorkers: 4,
      maxScaleUpInFlight: 6,
      instantiationAllowanceMinutes: 9,
      region: 'us-east-1',
    });
    expect(config.dataPlane).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:4010',
      timeoutMs: 30_000,
      retries: 3,
    });
  });

  it('warns at start-up when its lease would not survive the loss of one etcd member', () => {
    const etcd = {
      ETCD_ENDPOINTS: 'http://127.0.0.1:2379',
      MONGODB_URI: 'mongodb://127.0.0.1:27017/lcm',
    };
    expect(loadControllerConfig(etcd).platform.warnings ?? []).toEqual([]);
    expect(
      loadControllerConfig({
        ...etcd,
        CONTROLLER_LEADER_LEASE_TTL_SECONDS: '10',
        ETCD_CALL_TIMEOUT_MS: '5000',
      }).platform.warnings,
    ).toEqual([
      expect.stringMatching(
        /^UNSAFE: CONTROLLER_LEADER_LEASE_TTL_SECONDS=10 s with ETCD_CALL_TIMEOUT_MS=5000[\s\S]*CONTROLLER_LEADER_LEASE_TTL_SECONDS >= 14/,
      ),
    ]);
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

  it('outside the embedded launcher and tests, refuses to start without PROVIDER and LAB_RUNTIME, or with a pair that does not go together', () => {
    const previous = process.env['NODE_ENV'];
    process.env['NODE_ENV'] = 'production';
    try {
      expect(() => loadControllerConfig({}, { platform })).toThrow(
        /PROVIDER and LAB_RUNTIME are required outside the embedded launcher/,
      );
      expect(() =>
        loadControllerConfig({ PROVIDER: 'aws' }, { platform }),
      ).toThrow(/PROVIDER and LAB_RUNTIME are required/);
      expect(
        loadControllerConfig({}, { platform, embedded: true }).dataPlane,
      ).toMatchObject({ kind: 'simulated' });
      expect(
        loadControllerConfig(
          { PROVIDER: 'simulated', LAB_RUNTIME: 'simulated' },
          { platform },
        ).dataPlane,
      ).toMatchObject({ kind: 'simulated' });
      expect(() =>
        loadControllerConfig(
          { PROVIDER: 'aws', LAB_RUNTIME: 'simulated', CML_PASSWORD: 'x' },
          { platform },
        ),
      ).toThrow(/LAB_RUNTIME=simulated does not go with PROVIDER=aws/);
    } finally {
      process.env['NODE_ENV'] = previous;
    }
  });

  it('reads EC2 and CML settings; the password stays out of the config (a getter, or a file read at login)', () => {
    const config = loadControllerConfig(
      {
        PROVIDER: 'aws',
        LAB_RUNTIME: 'cml',
        REGION: 'eu-west-1',
        EC2_WORKER_ADDRESS: 'public',
        CML_URL_TEMPLATE: 'https://{host}:8443/',
        CML_CA_FILE: '/etc/lcm/cml-ca.pem',
        CML_USERNAME: 'lcm',
        CML_PASSWORD: 'pa55-not-logged',
      },
      { platform },
    );
    expect(config.dataPlane).toEqual({
      kind: 'aws',
      region: 'eu-west-1',
      maxAttempts: 5,
      address: 'public',
      cml: {
        urlTemplate: 'https://{host}:8443/',
        caFile: '/etc/lcm/cml-ca.pem',
        tlsVerify: true,
        timeoutMs: 30_000,
        username: 'lcm',
        password: { env: 'CML_PASSWORD', read: expect.any(Function) },
      },
    });
    expect(JSON.stringify(config.dataPlane)).not.toContain('pa55-not-logged');
    expect(
      loadControllerConfig(
        {
          PROVIDER: 'aws',
          LAB_RUNTIME: 'cml',
          CML_PASSWORD_FILE: '/run/secrets/cml',
        },
        { platform },
      ).dataPlane,
    ).toMatchObject({ cml: { password: { file: '/run/secrets/cml' } } });
    expect(() =>
      loadControllerConfig(
        {
          PROVIDER: 'aws',
          LAB_RUNTIME: 'cml',
          CML_URL_TEMPLATE: 'https://cml.example/',
        },
        { platform },
      ),
    ).toThrow(
      /CML_URL_TEMPLATE must be an http\(s\) URL containing \{host\}[\s\S]*CML_PASSWORD_FILE \(or CML_PASSWORD\) is required/,
    );
  });

  it('refuses to start standalone without its servers, naming the missing settings', () => {
    expect(() => loadControllerConfig({})).toThrow(
      /ETCD_ENDPOINTS is required[\s\S]*MONGODB_URI is required/,
    );
  });
});
