import { aWorkerIn } from '../../test/domain-fixtures';
import { ValidationError } from '../errors';
import { parseWorkerRecord } from './parse-worker-record';

describe('reading a stored worker record', () => {
  it('round-trips a worker through JSON', () => {
    const { worker } = aWorkerIn('draining');
    expect(parseWorkerRecord(JSON.parse(JSON.stringify(worker)))).toEqual(
      worker,
    );
  });

  it('rejects an unknown schema version, state or licence', () => {
    const { worker } = aWorkerIn('running');
    expect(() => parseWorkerRecord({ ...worker, schemaVersion: 0 })).toThrow(
      ValidationError,
    );
    expect(() => parseWorkerRecord({ ...worker, state: 'zombie' })).toThrow(
      /state/,
    );
    expect(() => parseWorkerRecord({ ...worker, licenseType: 'FREE' })).toThrow(
      /licenseType/,
    );
    expect(() => parseWorkerRecord('nope')).toThrow(ValidationError);
  });
});
