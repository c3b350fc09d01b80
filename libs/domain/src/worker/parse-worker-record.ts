import { ValidationError } from '../errors';
import { isLicenseType } from '../values/license-type';
import { WORKER_SCHEMA_VERSION, type Worker } from './worker';
import { parseReportedLicense } from './worker-license';
import { isWorkerState } from './worker-state';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a stored value (`/lcm/workers/{id}/state`, already JSON-parsed) is a worker record of
 * the schema version this code knows. Throws ValidationError naming the first bad field.
 */
export function parseWorkerRecord(value: unknown): Worker {
  if (!isObject(value))
    throw new ValidationError('worker', 'must be an object');
  if (value['schemaVersion'] !== WORKER_SCHEMA_VERSION) {
    throw new ValidationError(
      'schemaVersion',
      `unsupported worker schema version ${JSON.stringify(value['schemaVersion'])}`,
    );
  }
  for (const field of [
    'id',
    'name',
    'templateName',
    'region',
    'createdAt',
    'updatedAt',
  ]) {
    if (typeof value[field] !== 'string')
      throw new ValidationError(field, 'must be a string');
  }
  if (!Number.isInteger(value['generation']))
    throw new ValidationError('generation', 'must be an integer');
  if (!isWorkerState(value['state']))
    throw new ValidationError(
      'state',
      `unknown worker state ${JSON.stringify(value['state'])}`,
    );
  if (!isLicenseType(value['licenseType']))
    throw new ValidationError('licenseType', 'unknown licence type');
  if (!isObject(value['portRange']))
    throw new ValidationError('portRange', 'must be an object');
  if (!Array.isArray(value['stateHistory']))
    throw new ValidationError('stateHistory', 'must be a list');
  // Records written before licences were read carry no field: nothing reported yet.
  const reported = value['reportedLicense'];
  return {
    ...(value as unknown as Worker),
    reportedLicense:
      reported === undefined || reported === null
        ? null
        : parseReportedLicense(reported),
  };
}
