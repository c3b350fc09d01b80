import { ValidationError } from '../errors';
import { assertTransitionContext } from '../values/transition-context';
import type { TransitionContext } from '../values/transition-context';
import { minutesBetween } from '../values/iso-timestamp';
import type { WorkerCapacityRecord } from '../values/worker-capacity';
import type { Worker } from './worker';
import type { WorkerChange } from './worker-change';
import {
  licensedNodeCapacity,
  sameLicenseReport,
  validateLicenseReport,
  type LicenseReport,
} from './worker-license';
import type { WorkerState } from './worker-state';

/** A recorded report older than this is rewritten even when unchanged, so `readAt` stays meaningful. */
export const LICENSE_REPORT_MAX_AGE_MINUTES = 60;

/** States whose engine is up: only they have a licence to read. */
const ENGINE_UP_STATES: readonly WorkerState[] = ['running', 'draining'];

export interface RecordLicenseInput {
  report: LicenseReport;
  /** The node limit the worker's template declares (what the worker offers without a licence cap). */
  templateMaxNodes: number;
  /** The worker's capacity record as read: its `declared.maxNodes` follows the report. */
  capacity: WorkerCapacityRecord;
}

/**
 * Records what the worker's lab engine reports about its licence, and caps the node capacity the
 * worker offers to placement (`capacity.declared.maxNodes`) at the reported node limit. No state
 * change and no event. Returns the worker unchanged (same object, no capacity) when the report says
 * what the record already says and was read within LICENSE_REPORT_MAX_AGE_MINUTES; the capacity
 * record is part of the change only when its node capacity moves. Instances already placed keep
 * running when the limit drops below what they hold: nothing new fits until they leave.
 */
export function recordReportedLicense(
  worker: Worker,
  input: RecordLicenseInput,
  context: TransitionContext,
): WorkerChange {
  assertTransitionContext(context);
  if (!ENGINE_UP_STATES.includes(worker.state))
    throw new ValidationError(
      'state',
      `a ${worker.state} worker has no running lab engine to report a licence`,
    );
  const report = validateLicenseReport(input.report);
  const maxNodes = licensedNodeCapacity(input.templateMaxNodes, report);
  const capacityMoves = input.capacity.declared.maxNodes !== maxNodes;
  const recorded = worker.reportedLicense;
  const fresh =
    recorded !== null &&
    minutesBetween(recorded.readAt, context.now) <
      LICENSE_REPORT_MAX_AGE_MINUTES;
  if (fresh && !capacityMoves && sameLicenseReport(recorded, report))
    return { worker, events: [] };
  return {
    worker: {
      ...worker,
      reportedLicense: { ...report, readAt: context.now },
      generation: worker.generation + 1,
      updatedAt: context.now,
    },
    events: [],
    ...(capacityMoves
      ? {
          capacity: {
            ...input.capacity,
            declared: { ...input.capacity.declared, maxNodes },
          },
        }
      : {}),
  };
}
