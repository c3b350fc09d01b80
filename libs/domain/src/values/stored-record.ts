import { ValidationError } from '../errors';
import { isPlainObject, type PlainObject } from './field-checks';

/** What every stored aggregate record carries, as its parser checks it. */
export interface StoredRecordShape {
  /** The record's name in errors: `instance`, `worker`. */
  kind: string;
  schemaVersion: number;
  /** Fields that must be strings. */
  strings: readonly string[];
  isState: (state: unknown) => boolean;
}

/**
 * Checks the part every stored record shares (already JSON-parsed): an object of the schema version
 * this code knows, its string fields, an integer generation, a known state and a state history.
 * Throws ValidationError naming the first bad field; the record's own fields are its parser's.
 */
export function checkStoredRecord(
  value: unknown,
  shape: StoredRecordShape,
): PlainObject {
  if (!isPlainObject(value))
    throw new ValidationError(shape.kind, 'must be an object');
  if (value['schemaVersion'] !== shape.schemaVersion)
    throw new ValidationError(
      'schemaVersion',
      `unsupported ${shape.kind} schema version ${JSON.stringify(value['schemaVersion'])}`,
    );
  for (const field of shape.strings)
    if (typeof value[field] !== 'string')
      throw new ValidationError(field, 'must be a string');
  if (!Number.isInteger(value['generation']))
    throw new ValidationError('generation', 'must be an integer');
  if (!shape.isState(value['state']))
    throw new ValidationError(
      'state',
      `unknown ${shape.kind} state ${JSON.stringify(value['state'])}`,
    );
  if (!Array.isArray(value['stateHistory']))
    throw new ValidationError('stateHistory', 'must be a list');
  return value;
}
