import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What a decision did: `assign` (a placement committed), `scale_up` (no room now, a worker of an
 * eligible template would take it: the controller's scale-up starts one), `wait` (no room now:
 * waiting for a starting worker, or no eligible template).
 */
export type DecisionAction = 'assign' | 'scale_up' | 'wait';

/** The scheduler's Prometheus metrics (docs/operations.md#metrics), in the app's own registry. */
export class SchedulerMetrics {
  readonly decisions: Counter<'action'>;
  readonly queueDepth: Gauge;
  readonly latency: Histogram;
  readonly loopDuration: Histogram;
  readonly leader: Gauge<'service'>;
  readonly conflicts: Counter;
  readonly commits: Counter<'kind'>;
  readonly workersSaved: Counter;

  constructor(
    registry: Registry = new Registry(),
    queueDepth: () => number = () => 0,
  ) {
    this.decisions = new Counter({
      name: 'lcm_scheduling_decisions_total',
      help: 'Scheduling decisions by what they did',
      labelNames: ['action'],
      registers: [registry],
    });
    for (const action of ['assign', 'scale_up', 'wait'] as const)
      this.decisions.inc({ action }, 0);
    this.queueDepth = new Gauge({
      name: 'lcm_scheduler_queue_depth',
      help: 'PENDING instances the leader knows of and has not placed yet (0 on a standby)',
      registers: [registry],
      collect() {
        this.set(queueDepth());
      },
    });
    this.latency = new Histogram({
      name: 'lcm_scheduling_latency_seconds',
      help: 'From an instance entering PENDING to its SCHEDULED transition being committed',
      buckets: [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
        1800,
      ],
      registers: [registry],
    });
    this.loopDuration = new Histogram({
      name: 'lcm_scheduler_loop_duration_seconds',
      help: 'Duration of one scheduling pass: evaluating the queue and committing its placements',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.leader = new Gauge({
      name: 'lcm_leader',
      help: '1 while this replica leads, 0 on a standby',
      labelNames: ['service'],
      registers: [registry],
    });
    this.leader.set({ service: 'scheduler' }, 0);
    this.conflicts = new Counter({
      name: 'lcm_scheduler_commit_conflicts_total',
      help: 'Placement transactions refused because a record changed since it was read (re-evaluated)',
      registers: [registry],
    });
    this.commits = new Counter({
      name: 'lcm_scheduler_commits_total',
      help: 'Fenced transactions committed by the scheduler',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.workersSaved = new Counter({
      name: 'lcm_scheduler_consolidation_workers_saved_total',
      help: 'Workers a consolidated window of placements left empty that one-at-a-time placement would have used',
      registers: [registry],
    });
  }

  setLeader(leading: boolean): void {
    this.leader.set({ service: 'scheduler' }, leading ? 1 : 0);
  }
}
