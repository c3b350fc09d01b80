import { ValidationError } from '../errors';
import { isInstanceState } from './instance-state';
import {
  INSTANCE_SCHEMA_VERSION,
  type LabletInstance,
} from './lablet-instance';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a stored value (`/lcm/instances/{id}/state`, already JSON-parsed) is an instance record
 * of the schema version this code knows: the identity, state and bookkeeping fields. Throws
 * ValidationError naming the first bad field.
 */
export function parseInstanceRecord(value: unknown): LabletInstance {
  if (!isObject(value))
    throw new ValidationError('instance', 'must be an object');
  if (value['schemaVersion'] !== INSTANCE_SCHEMA_VERSION) {
    throw new ValidationError(
      'schemaVersion',
      `unsupported instance schema version ${JSON.stringify(value['schemaVersion'])}`,
    );
  }
  for (const field of [
    'id',
    'definitionId',
    'definitionVersion',
    'ownerId',
    'timeslotStart',
    'timeslotEnd',
    'createdAt',
    'updatedAt',
  ]) {
    if (typeof value[field] !== 'string')
      throw new ValidationError(field, 'must be a string');
  }
  if (!Number.isInteger(value['generation']))
    throw new ValidationError('generation', 'must be an integer');
  if (!isInstanceState(value['state']))
    throw new ValidationError(
      'state',
      `unknown instance state ${JSON.stringify(value['state'])}`,
    );
  if (!Array.isArray(value['stateHistory']))
    throw new ValidationError('stateHistory', 'must be a list');
  if (!isObject(value['spec']))
    throw new ValidationError('spec', 'must be an object');
  return value as unknown as LabletInstance;
}
