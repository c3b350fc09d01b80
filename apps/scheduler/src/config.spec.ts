import { MemoryStateStore } from '@lcm/state-store';
import { loadSchedulerConfig } from './config';

describe('loadSchedulerConfig', () => {
  const servers = {
    ETCD_ENDPOINTS: 'http://127.0.0.1:2379',
    MONGODB_URI: 'mongodb://127.0.0.1:27017/lcm',
  };

  it('has the documented defaults', () => {
    const config = loadSchedulerConfig(servers);
    expect(config.scheduler).toEqual({
      enabled: true,
      replicaId: expect.stringMatching(/-\d+$/),
      leaseTtlSeconds: 10,
      reconcileIntervalSeconds: 30,
      leadTimeMinutes: 35,
      instantiationAllowanceMinutes: 15,
      strategy: 'binpack',
      region: 'us-east-1',
      templateRefreshSeconds: 60,
      maxBatchSize: 32,
      maxCommitsInFlight: 16,
    });
    expect(config.platform.docs).toMatchObject({
      driver: 'mongo',
      uri: servers.MONGODB_URI,
    });
    // The default lease survives the loss of one etcd member at the default etcd timeouts.
    expect(config.platform.state).toMatchObject({
      callTimeoutMs: 2000,
      stallBudgetMs: 8000,
      electionTimeoutMs: 1000,
    });
    expect(config.platform.warnings ?? []).toEqual([]);
    expect(config.port).toBe(3001);
  });

  it('reads every setting', () => {
    const config = loadSchedulerConfig({
      ...servers,
      SCHEDULER_ENABLED: 'false',
      SCHEDULER_REPLICA_ID: 'sched-b',
      SCHEDULER_LEADER_LEASE_TTL_SECONDS: '3',
      SCHEDULER_RECONCILE_INTERVAL_SECONDS: '5',
      LEAD_TIME_MINUTES: '40',
      INSTANTIATION_ALLOWANCE_MINUTES: '10',
      SCHEDULER_STRATEGY: 'spread',
      REGION: 'eu-west-1',
      SCHEDULER_MAX_BATCH_SIZE: '8',
    });
    expect(config.platform.warnings).toEqual([
      expect.stringMatching(
        /^UNSAFE: SCHEDULER_LEADER_LEASE_TTL_SECONDS=3 s[\s\S]*>= 8/,
      ),
    ]);
    expect(config.scheduler).toMatchObject({
      enabled: false,
      replicaId: 'sched-b',
      leaseTtlSeconds: 3,
      reconcileIntervalSeconds: 5,
      leadTimeMinutes: 40,
      instantiationAllowanceMinutes: 10,
      strategy: 'spread',
      region: 'eu-west-1',
      maxBatchSize: 8,
    });
  });

  it('fails fast, listing every bad setting at once', () => {
    expect(() =>
      loadSchedulerConfig({
        ...servers,
        SCHEDULER_STRATEGY: 'random',
        SCHEDULER_LEADER_LEASE_TTL_SECONDS: '1',
        SCHEDULER_ENABLED: 'maybe',
        SCHEDULER_MAX_BATCH_SIZE: '100',
      }),
    ).toThrow(
      /SCHEDULER_LEADER_LEASE_TTL_SECONDS must be between 2 and 300[\s\S]*SCHEDULER_ENABLED must be true or false[\s\S]*SCHEDULER_STRATEGY must be one of binpack, spread[\s\S]*SCHEDULER_MAX_BATCH_SIZE must be between 1 and 40/,
    );
  });

  it('needs a doc store when the stores are handed in', () => {
    const store = new MemoryStateStore();
    expect(() =>
      loadSchedulerConfig(
        {},
        { platform: { state: { driver: 'shared', prefix: '/lcm', store } } },
      ),
    ).toThrow(/needs a doc store/);
  });
});
