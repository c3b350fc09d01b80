import type { PlacementStrategy } from '@lcm/scheduling';

/** What the scheduler core needs to know (read from the environment by config.ts). */
export interface SchedulerSettings {
  /** SCHEDULER_ENABLED: false runs the app (health, metrics) without campaigning. */
  enabled: boolean;
  /** Value of the leader key while this replica leads. */
  replicaId: string;
  leaseTtlSeconds: number;
  /** The safety-net pass: every pending instance is re-evaluated this often (watches do the rest). */
  reconcileIntervalSeconds: number;
  /** LEAD_TIME_MINUTES: the booking window of an instance no template of the region can host. */
  leadTimeMinutes: number;
  /** INSTANTIATION_ALLOWANCE_MINUTES: a booking is placed its template's start-up plus this before its slot. */
  instantiationAllowanceMinutes: number;
  strategy: PlacementStrategy;
  /** Deployment region: templates elsewhere are not eligible for a scale-up. */
  region: string;
  /** How often the worker templates are re-read from the doc store. */
  templateRefreshSeconds: number;
  /** Placements on one worker committed together in one fenced transaction (etcd allows 128 ops). */
  maxBatchSize: number;
  /** Transactions in flight at once (on different workers). */
  maxCommitsInFlight: number;
}

export const DEFAULT_SCHEDULER_SETTINGS: SchedulerSettings = {
  enabled: true,
  replicaId: 'scheduler',
  leaseTtlSeconds: 10,
  reconcileIntervalSeconds: 30,
  leadTimeMinutes: 35,
  instantiationAllowanceMinutes: 15,
  strategy: 'binpack',
  region: 'local',
  templateRefreshSeconds: 60,
  maxBatchSize: 32,
  maxCommitsInFlight: 16,
};
