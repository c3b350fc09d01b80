import { toEpochMs, type Worker } from '@lcm/domain';

/** The estimate is the slowest restart seen times this: a restart may be slower than all so far. */
export const RESTART_ESTIMATE_MARGIN = 1.5;

/**
 * How long starting a stopped worker of a template takes, in minutes, learned from the restarts
 * its workers made (stopped -> pending, then running, in their state history): the slowest one
 * seen times RESTART_ESTIMATE_MARGIN, rounded up to a minute, and never more than the template's
 * declared start-up. The declared start-up until a restart has been seen, and for good once one
 * failed (a restart that can fail is not counted on to be quick). A restart of a VM is much
 * quicker than a fresh boot (docs/domain.md#worker-state-machine: ~5 min against 15-20), so a
 * booking served by a restart asks for it that much later (`decideScaleUp`) instead of running the
 * restarted worker idle until the booking's window opens.
 */
export function restartEstimateMinutes(
  template: { name: string; startupTimeMinutes: number },
  workers: readonly Pick<Worker, 'templateName' | 'stateHistory'>[],
): number {
  let slowestMs: number | undefined;
  for (const worker of workers) {
    if (worker.templateName !== template.name) continue;
    let restartedAt: number | undefined;
    for (const entry of worker.stateHistory) {
      if (entry.from === 'stopped' && entry.to === 'pending') {
        restartedAt = toEpochMs(entry.at);
      } else if (restartedAt !== undefined && entry.to === 'running') {
        const took = toEpochMs(entry.at) - restartedAt;
        slowestMs = slowestMs === undefined ? took : Math.max(slowestMs, took);
        restartedAt = undefined;
      } else if (restartedAt !== undefined && entry.to === 'failed') {
        return template.startupTimeMinutes;
      }
    }
  }
  if (slowestMs === undefined) return template.startupTimeMinutes;
  return Math.min(
    template.startupTimeMinutes,
    Math.ceil((slowestMs * RESTART_ESTIMATE_MARGIN) / 60_000),
  );
}
