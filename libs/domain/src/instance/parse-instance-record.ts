import { ValidationError } from '../errors';
import { isPlainObject } from '../values/field-checks';
import { checkStoredRecord } from '../values/stored-record';
import { isInstanceState } from './instance-state';
import {
  INSTANCE_SCHEMA_VERSION,
  type LabletInstance,
} from './lablet-instance';

/**
 * Checks a stored value (`/lcm/instances/{id}/state`, already JSON-parsed) is an instance record
 * of the schema version this code knows: the identity, state and bookkeeping fields. Throws
 * ValidationError naming the first bad field.
 */
export function parseInstanceRecord(value: unknown): LabletInstance {
  const record = checkStoredRecord(value, {
    kind: 'instance',
    schemaVersion: INSTANCE_SCHEMA_VERSION,
    strings: [
      'id',
      'definitionId',
      'definitionVersion',
      'ownerId',
      'timeslotStart',
      'timeslotEnd',
      'createdAt',
      'updatedAt',
    ],
    isState: isInstanceState,
  });
  if (!isPlainObject(record['spec']))
    throw new ValidationError('spec', 'must be an object');
  return record as unknown as LabletInstance;
}
