import { ValidationError } from '../errors';
import { isPlainObject } from '../values/field-checks';
import { isLicenseType } from '../values/license-type';
import { checkStoredRecord } from '../values/stored-record';
import { WORKER_SCHEMA_VERSION, type Worker } from './worker';
import { parseReportedLicense } from './worker-license';
import { isWorkerState } from './worker-state';

/**
 * Checks a stored value (`/lcm/workers/{id}/state`, already JSON-parsed) is a worker record of
 * the schema version this code knows. Throws ValidationError naming the first bad field.
 */
export function parseWorkerRecord(value: unknown): Worker {
  const record = checkStoredRecord(value, {
    kind: 'worker',
    schemaVersion: WORKER_SCHEMA_VERSION,
    strings: ['id', 'name', 'templateName', 'region', 'createdAt', 'updatedAt'],
    isState: isWorkerState,
  });
  if (!isLicenseType(record['licenseType']))
    throw new ValidationError('licenseType', 'unknown licence type');
  if (!isPlainObject(record['portRange']))
    throw new ValidationError('portRange', 'must be an object');
  // Records written before licences were read carry no field: nothing reported yet.
  const reported = record['reportedLicense'];
  return {
    ...(record as unknown as Worker),
    reportedLicense:
      reported === undefined || reported === null
        ? null
        : parseReportedLicense(reported),
  };
}
