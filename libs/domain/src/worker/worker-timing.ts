import { addMinutes, toEpochMs } from '../values/iso-timestamp';
import type { Worker } from './worker';

/** docs/controller.md#worker-lifecycle: provisioning that takes longer than this many boot allowances has failed. */
export const PROVISIONING_TIMEOUT_FACTOR = 2;

/** When the current start attempt began: the last time the worker entered `pending`. */
function startAttemptAt(
  worker: Pick<Worker, 'stateHistory' | 'createdAt'>,
): string {
  for (let i = worker.stateHistory.length - 1; i >= 0; i--) {
    if (worker.stateHistory[i].to === 'pending')
      return worker.stateHistory[i].at;
  }
  return worker.createdAt;
}

/** Start of the current attempt + 2 x startupTimeMinutes. */
export function provisioningDeadline(
  worker: Pick<Worker, 'stateHistory' | 'createdAt' | 'startupTimeMinutes'>,
): string {
  return addMinutes(
    startAttemptAt(worker),
    PROVISIONING_TIMEOUT_FACTOR * worker.startupTimeMinutes,
  );
}

/** A pending or provisioning worker past its provisioning deadline (to be marked failed). */
export function isProvisioningOverdue(
  worker: Pick<
    Worker,
    'state' | 'stateHistory' | 'createdAt' | 'startupTimeMinutes'
  >,
  now: string,
): boolean {
  return (
    (worker.state === 'pending' || worker.state === 'provisioning') &&
    toEpochMs(now) > toEpochMs(provisioningDeadline(worker))
  );
}

/** drainStartedAt + drainTimeoutHours, or null when not draining. */
export function drainDeadline(
  worker: Pick<Worker, 'drainStartedAt' | 'drainTimeoutHours'>,
): string | null {
  return worker.drainStartedAt === null
    ? null
    : addMinutes(worker.drainStartedAt, worker.drainTimeoutHours * 60);
}

/** A draining worker past its drain timeout (to be force-stopped). */
export function isDrainOverdue(
  worker: Pick<Worker, 'state' | 'drainStartedAt' | 'drainTimeoutHours'>,
  now: string,
): boolean {
  const deadline = drainDeadline(worker);
  return (
    worker.state === 'draining' &&
    deadline !== null &&
    toEpochMs(now) > toEpochMs(deadline)
  );
}
