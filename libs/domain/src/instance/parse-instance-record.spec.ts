import { anInstanceIn } from '../../test/domain-fixtures';
import { ValidationError } from '../errors';
import { parseInstanceRecord } from './parse-instance-record';

describe('reading a stored instance record', () => {
  it('round-trips an instance through JSON', () => {
    const { instance } = anInstanceIn('running');
    expect(parseInstanceRecord(JSON.parse(JSON.stringify(instance)))).toEqual(
      instance,
    );
  });

  it('rejects an unknown schema version or state', () => {
    const { instance } = anInstanceIn('pending');
    expect(() =>
      parseInstanceRecord({ ...instance, schemaVersion: 2 }),
    ).toThrow(ValidationError);
    expect(() =>
      parseInstanceRecord({ ...instance, state: 'RUNNING' }),
    ).toThrow(/state/);
    expect(() => parseInstanceRecord([])).toThrow(ValidationError);
  });
});
