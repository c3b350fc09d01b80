import { ValidationError } from '../errors';
import { assertIsoTimestamp } from '../values/iso-timestamp';
import {
  isLicenseStatus,
  isLicenseType,
  LICENSE_STATUSES_RUNNING_LABS,
  type LicenseStatus,
  type LicenseType,
} from '../values/license-type';
import { isPlainObject } from '../values/field-checks';

/**
 * What the worker's lab engine itself says about its licence, as the controller last read it. It
 * sits beside the template's declared `licenseType`: the template says what the worker should be,
 * the engine says what it is. Placement matches a definition's licence affinity on the template's
 * type (the class of worker it asked for); what binds from the report is its node limit (it caps
 * the node capacity) and its status (one that runs no labs keeps the worker from new placements).
 */
export interface ReportedLicense {
  licenseType: LicenseType;
  status: LicenseStatus;
  /** Most nodes the licence lets run at once; null when the engine gives no limit. */
  nodeLimit: number | null;
  /** Nodes the licence counted as in use at `readAt` (a change of it alone is not written); null when not reported. */
  nodesInUse: number | null;
  /** The engine's own words for the status (`registration COMPLETED, authorization IN_COMPLIANCE`). */
  detail: string | null;
  /** When the controller read this report (rewritten only when the report changes, or hourly). */
  readAt: string;
}

/** What a lab runtime reports, before the controller stamps when it read it. */
export type LicenseReport = Omit<ReportedLicense, 'readAt'>;

const MAX_DETAIL = 200;

function nullableCount(value: unknown, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new ValidationError(field, 'must be an integer >= 0 or null');
  return value;
}

/** Checks a licence report (from a runtime, or stored); returns it in its canonical shape. */
export function validateLicenseReport(
  value: unknown,
  field = 'reportedLicense',
): LicenseReport {
  if (!isPlainObject(value))
    throw new ValidationError(field, 'must be an object');
  if (!isLicenseType(value['licenseType']))
    throw new ValidationError(
      `${field}.licenseType`,
      `unknown licence type ${JSON.stringify(value['licenseType'])}`,
    );
  if (!isLicenseStatus(value['status']))
    throw new ValidationError(
      `${field}.status`,
      `unknown licence status ${JSON.stringify(value['status'])}`,
    );
  const detail = value['detail'];
  if (detail !== null && detail !== undefined && typeof detail !== 'string')
    throw new ValidationError(`${field}.detail`, 'must be a string or null');
  return {
    licenseType: value['licenseType'],
    status: value['status'],
    nodeLimit: nullableCount(value['nodeLimit'], `${field}.nodeLimit`),
    nodesInUse: nullableCount(value['nodesInUse'], `${field}.nodesInUse`),
    detail:
      typeof detail === 'string' && detail !== ''
        ? detail.slice(0, MAX_DETAIL)
        : null,
  };
}

/** Checks a stored reported licence (the worker record's `reportedLicense`). */
export function parseReportedLicense(
  value: unknown,
  field = 'reportedLicense',
): ReportedLicense {
  const report = validateLicenseReport(value, field);
  const readAt = (value as Record<string, unknown>)['readAt'];
  assertIsoTimestamp(readAt, `${field}.readAt`);
  return { ...report, readAt };
}

/**
 * The two reports say the same about the licence (when they were read aside). Nodes in use are
 * left out: they move with every lab start and stop, and LCM's own capacity record counts them;
 * the recorded figure is as of `readAt`.
 */
export function sameLicenseReport(
  a: LicenseReport | null,
  b: LicenseReport | null,
): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.licenseType === b.licenseType &&
    a.status === b.status &&
    a.nodeLimit === b.nodeLimit &&
    a.detail === b.detail
  );
}

/**
 * Why the worker's engine cannot run new labs, from its reported licence ("licence expired"), or
 * null when it can or nothing was reported yet (a worker is not held back for want of a report).
 */
export function licenseRefusal(worker: {
  reportedLicense?: Pick<ReportedLicense, 'status'> | null;
}): string | null {
  const status = worker.reportedLicense?.status;
  if (status === undefined || LICENSE_STATUSES_RUNNING_LABS.includes(status))
    return null;
  return `licence ${status.toLowerCase()}`;
}

/**
 * The node capacity a worker offers to placement (its capacity record's `declared.maxNodes`): the
 * template's node limit, capped by the limit the engine's licence reports when it reports one.
 */
export function licensedNodeCapacity(
  templateMaxNodes: number,
  report: Pick<LicenseReport, 'nodeLimit'> | null,
): number {
  if (!Number.isFinite(templateMaxNodes) || templateMaxNodes < 0)
    throw new ValidationError(
      'templateMaxNodes',
      `must be a number >= 0, got ${templateMaxNodes}`,
    );
  const limit = report?.nodeLimit ?? null;
  return limit === null ? templateMaxNodes : Math.min(templateMaxNodes, limit);
}
