import { ConfigError, EnvReader } from '../config/env-reader';
import { checkLeaderLease, readPlatformConfig } from './platform-config';

const servers = {
  ETCD_ENDPOINTS: 'http://127.0.0.1:2379',
  MONGODB_URI: 'mongodb://127.0.0.1:27017/lcm',
};

function load(env: NodeJS.ProcessEnv) {
  const read = new EnvReader(env);
  return read.done(readPlatformConfig(read, { docs: false }));
}

describe('platform config: etcd timeouts', () => {
  it("defaults: a 2 s call timeout per attempt, 8 s of failover before StoreUnavailableError, etcd's 1 s election timeout", () => {
    expect(load(servers).state).toMatchObject({
      driver: 'etcd',
      callTimeoutMs: 2000,
      stallBudgetMs: 8000,
      electionTimeoutMs: 1000,
    });
  });

  it('reads ETCD_CALL_TIMEOUT_MS, ETCD_STALL_BUDGET_MS and ETCD_ELECTION_TIMEOUT_MS, and refuses nonsense', () => {
    expect(
      load({
        ...servers,
        ETCD_CALL_TIMEOUT_MS: '500',
        ETCD_STALL_BUDGET_MS: '3000',
        ETCD_ELECTION_TIMEOUT_MS: '2500',
      }).state,
    ).toMatchObject({
      callTimeoutMs: 500,
      stallBudgetMs: 3000,
      electionTimeoutMs: 2500,
    });
    expect(() => load({ ...servers, ETCD_CALL_TIMEOUT_MS: '5s' })).toThrow(
      /ETCD_CALL_TIMEOUT_MS must be an integer/,
    );
    expect(() =>
      load({
        ...servers,
        ETCD_CALL_TIMEOUT_MS: '5000',
        ETCD_STALL_BUDGET_MS: '1000',
      }),
    ).toThrow(ConfigError);
    expect(() =>
      load({
        ...servers,
        ETCD_CALL_TIMEOUT_MS: '5000',
        ETCD_STALL_BUDGET_MS: '1000',
      }),
    ).toThrow(
      /ETCD_STALL_BUDGET_MS \(1000\) must be at least ETCD_CALL_TIMEOUT_MS \(5000\)/,
    );
  });
});

describe('checkLeaderLease: a leader survives one etcd member loss at the defaults', () => {
  it('says nothing about the default 10 s lease at the default timeouts', () => {
    const platform = load(servers);
    checkLeaderLease(platform, 'SCHEDULER_LEADER_LEASE_TTL_SECONDS', 10);
    expect(platform.warnings ?? []).toEqual([]);
  });

  it('warns, naming the safe TTL, when one etcd member loss could depose the leader', () => {
    const platform = load({ ...servers, ETCD_CALL_TIMEOUT_MS: '5000' });
    checkLeaderLease(platform, 'CONTROLLER_LEADER_LEASE_TTL_SECONDS', 7);
    expect(platform.warnings).toHaveLength(1);
    expect(platform.warnings?.[0]).toMatch(
      /UNSAFE: CONTROLLER_LEADER_LEASE_TTL_SECONDS=7 s with ETCD_CALL_TIMEOUT_MS=5000[\s\S]*before one hung keepalive can even time out[\s\S]*>= 14/,
    );
    const short = load(servers);
    checkLeaderLease(short, 'SCHEDULER_LEADER_LEASE_TTL_SECONDS', 6);
    expect(short.warnings?.[0]).toMatch(
      /keepalives may fail for 3000 ms[\s\S]*can take 4000 ms[\s\S]*SCHEDULER_LEADER_LEASE_TTL_SECONDS >= 8/,
    );
  });

  it('checks nothing for a store handed in (no etcd)', () => {
    const platform = {
      state: { driver: 'shared' as const, prefix: '/lcm', store: {} as never },
    };
    checkLeaderLease(platform, 'SCHEDULER_LEADER_LEASE_TTL_SECONDS', 2);
    expect(platform).not.toHaveProperty('warnings');
  });
});
