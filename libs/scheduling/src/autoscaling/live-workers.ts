import type { Worker, WorkerState } from '@lcm/domain';

/**
 * States that do not count against the worker limits: gone, or failed and about to be
 * terminated (a failed provisioning must not block the scale-up that replaces it).
 */
const NOT_COUNTED: readonly WorkerState[] = ['terminated', 'failed'];

export interface LiveWorkerCount {
  total: number;
  byTemplate: Map<string, number>;
}

export function countLiveWorkers(workers: readonly Worker[]): LiveWorkerCount {
  const byTemplate = new Map<string, number>();
  let total = 0;
  for (const worker of workers) {
    if (NOT_COUNTED.includes(worker.state)) continue;
    total++;
    byTemplate.set(
      worker.templateName,
      (byTemplate.get(worker.templateName) ?? 0) + 1,
    );
  }
  return { total, byTemplate };
}
