import { ValidationError } from '../errors';
import { buildDomainEvents } from '../events/domain-event';
import { EVENT_TYPES } from '../events/event-types';
import type { WorkerLicenseChangedData } from '../events/worker-event-data';
import { assertTransitionContext } from '../values/transition-context';
import type { TransitionContext } from '../values/transition-context';
import { minutesBetween } from '../values/iso-timestamp';
import type { WorkerCapacityRecord } from '../values/worker-capacity';
import type { Worker } from './worker';
import { workerEventData, type WorkerChange } from './worker-change';
import {
  licensedNodeCapacity,
  licenseRefusal,
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
 * change; `lcm.worker.license.changed` when the type, status or node limit changed, or when the
 * first report is one under which the engine runs no labs (a healthy first report, the hourly
 * rewrite and a change of nodes in use alone are quiet). Returns the worker unchanged (same object, no capacity) when the report says
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
  const generation = worker.generation + 1;
  const next: Worker = {
    ...worker,
    reportedLicense: { ...report, readAt: context.now },
    generation,
    updatedAt: context.now,
  };
  const notable =
    recorded === null
      ? licenseRefusal(next) !== null
      : recorded.licenseType !== report.licenseType ||
        recorded.status !== report.status ||
        recorded.nodeLimit !== report.nodeLimit;
  const data: WorkerLicenseChangedData = {
    ...workerEventData(worker, next, context, 'license_reported'),
    licenseType: report.licenseType,
    status: report.status,
    nodeLimit: report.nodeLimit,
    previousStatus: recorded?.status ?? null,
    maxNodes,
  };
  return {
    worker: next,
    events: notable
      ? buildDomainEvents(next.id, generation, context.now, [
          { type: EVENT_TYPES.workerLicenseChanged, data },
        ])
      : [],
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
