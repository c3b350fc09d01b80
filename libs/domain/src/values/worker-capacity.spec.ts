import { CapacityExceeded, ValidationError } from '../errors';
import {
  availableCapacity,
  capacityShortfall,
  capacityUtilisation,
  fitsCapacity,
  newCapacityRecord,
  parseCapacityRecord,
  releaseCapacity,
  reserveCapacity,
  type WorkerCapacity,
} from './worker-capacity';

const DECLARED: WorkerCapacity = {
  cpuCores: 48,
  memoryGb: 192,
  storageGb: 500,
  maxNodes: 20,
};
const REQUEST: WorkerCapacity = {
  cpuCores: 4,
  memoryGb: 8,
  storageGb: 50,
  maxNodes: 2,
};

describe('worker capacity arithmetic', () => {
  it('starts with everything available', () => {
    expect(availableCapacity(newCapacityRecord(DECLARED))).toEqual(DECLARED);
  });

  it('reserves a request and shows it as allocated', () => {
    const record = reserveCapacity(newCapacityRecord(DECLARED), REQUEST, 'w-1');
    expect(record.allocated).toEqual(REQUEST);
    expect(availableCapacity(record)).toEqual({
      cpuCores: 44,
      memoryGb: 184,
      storageGb: 450,
      maxNodes: 18,
    });
  });

  it('fits a request that fills a dimension exactly', () => {
    const record = {
      declared: DECLARED,
      allocated: { cpuCores: 44, memoryGb: 0, storageGb: 0, maxNodes: 0 },
    };
    expect(fitsCapacity(record, REQUEST)).toBe(true);
    expect(reserveCapacity(record, REQUEST, 'w-1').allocated.cpuCores).toBe(48);
  });

  it('refuses to go above declared, naming every short dimension', () => {
    const record = {
      declared: DECLARED,
      allocated: { cpuCores: 45, memoryGb: 190, storageGb: 0, maxNodes: 0 },
    };
    expect(capacityShortfall(record, REQUEST)).toEqual([
      'cpuCores',
      'memoryGb',
    ]);
    expect(() => reserveCapacity(record, REQUEST, 'w-1')).toThrow(
      CapacityExceeded,
    );
    expect(() => reserveCapacity(record, REQUEST, 'w-1')).toThrow(
      'worker w-1: insufficient cpuCores, memoryGb',
    );
  });

  it('counts nodes against the licence limit like the other dimensions', () => {
    const record = {
      declared: DECLARED,
      allocated: { cpuCores: 0, memoryGb: 0, storageGb: 0, maxNodes: 19 },
    };
    expect(capacityShortfall(record, REQUEST)).toEqual(['maxNodes']);
  });

  it('never releases below zero', () => {
    const record = releaseCapacity(
      reserveCapacity(newCapacityRecord(DECLARED), REQUEST, 'w-1'),
      { ...REQUEST, cpuCores: 10 },
    );
    expect(record.allocated).toEqual({
      cpuCores: 0,
      memoryGb: 0,
      storageGb: 0,
      maxNodes: 0,
    });
  });

  it('measures utilisation as the mean of the four ratios', () => {
    const record = {
      declared: { cpuCores: 10, memoryGb: 10, storageGb: 10, maxNodes: 10 },
      allocated: { cpuCores: 10, memoryGb: 0, storageGb: 5, maxNodes: 5 },
    };
    expect(capacityUtilisation(record)).toBe(0.5);
  });

  it('rejects negative declared capacity and malformed stored records', () => {
    expect(() => newCapacityRecord({ ...DECLARED, memoryGb: -1 })).toThrow(
      ValidationError,
    );
    expect(() => parseCapacityRecord({ declared: DECLARED })).toThrow(
      ValidationError,
    );
    expect(parseCapacityRecord(newCapacityRecord(DECLARED))).toEqual(
      newCapacityRecord(DECLARED),
    );
  });
});
