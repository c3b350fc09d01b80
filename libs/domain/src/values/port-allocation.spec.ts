import fc from 'fast-check';
import { Conflict, PortExhausted, ValidationError } from '../errors';
import {
  allocatePorts,
  DEFAULT_PORT_RANGE,
  freePortCount,
  parseWorkerPorts,
  portRangeSize,
  releasePorts,
  usedPorts,
  validatePortRange,
  type PortRange,
  type WorkerPorts,
} from './port-allocation';
import type { PortDefinition } from './port-template';

const NOW = '2026-01-16T10:00:00.000Z';
const defs = (...names: string[]): PortDefinition[] =>
  names.map((name) => ({ name, protocol: 'tcp' }));

function allocate(
  ports: WorkerPorts,
  instanceId: string,
  definitions: PortDefinition[],
  range: PortRange = DEFAULT_PORT_RANGE,
) {
  return allocatePorts({
    workerId: 'w-1',
    range,
    ports,
    instanceId,
    definitions,
    now: NOW,
  });
}

describe('allocatePorts', () => {
  it('gives the lowest free ports of the range, the i-th name the i-th port', () => {
    const { allocation, ports } = allocate(
      {},
      'i-1',
      defs('serial_1', 'serial_2', 'vnc_1'),
    );
    expect(allocation).toEqual({
      instanceId: 'i-1',
      ports: { serial_1: 2000, serial_2: 2001, vnc_1: 2002 },
      allocatedAt: NOW,
    });
    expect(ports).toEqual({ 'i-1': allocation });
  });

  it('fills holes left by released allocations first (not necessarily contiguous)', () => {
    let ports = allocate({}, 'a', defs('p1', 'p2')).ports; // 2000, 2001
    ports = allocate(ports, 'b', defs('p1')).ports; // 2002
    ports = releasePorts(ports, 'a');
    const { allocation } = allocate(ports, 'c', defs('x', 'y', 'z'));
    expect(allocation.ports).toEqual({ x: 2000, y: 2001, z: 2003 });
  });

  it('fails with PortExhausted ("only X of N") and allocates nothing when short', () => {
    const range = { start: 5000, end: 5002 };
    const ports = allocate({}, 'a', defs('p1', 'p2'), range).ports;
    expect(() => allocate(ports, 'b', defs('p1', 'p2'), range)).toThrow(
      PortExhausted,
    );
    expect(() => allocate(ports, 'b', defs('p1', 'p2'), range)).toThrow(
      'worker w-1: only 1 of 2 ports available',
    );
  });

  it('records an allocation even for an instance needing no ports (the ledger of who holds capacity)', () => {
    expect(allocate({}, 'a', []).ports).toEqual({
      a: { instanceId: 'a', ports: {}, allocatedAt: NOW },
    });
  });

  it('refuses a second allocation for the same instance', () => {
    const ports = allocate({}, 'a', defs('p')).ports;
    expect(() => allocate(ports, 'a', defs('p'))).toThrow(Conflict);
  });

  it('does not mutate the record it was given', () => {
    const ports = allocate({}, 'a', defs('p')).ports;
    const copy = JSON.parse(JSON.stringify(ports));
    allocate(ports, 'b', defs('p'));
    releasePorts(ports, 'a');
    expect(ports).toEqual(copy);
  });

  it('never allocates a port twice, stays in range and picks the lowest free ports (property)', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('allocate' as const),
        count: fc.integer({ min: 0, max: 5 }),
      }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1024, max: 60000 }),
        fc.integer({ min: 0, max: 20 }),
        fc.array(step, { maxLength: 40 }),
        (start, width, steps) => {
          const range = { start, end: start + width };
          let ports: WorkerPorts = {};
          let next = 0;
          for (const s of steps) {
            if (s.kind === 'release') {
              const ids = Object.keys(ports);
              if (ids.length > 0)
                ports = releasePorts(ports, ids[s.pick % ids.length]);
              continue;
            }
            const before = usedPorts(ports);
            const free = freePortCount(range, ports);
            const names = Array.from({ length: s.count }, (_, i) => `p${i}`);
            if (free < s.count) {
              expect(() =>
                allocate(ports, `i-${next++}`, defs(...names), range),
              ).toThrow(PortExhausted);
              continue;
            }
            const result = allocate(
              ports,
              `i-${next++}`,
              defs(...names),
              range,
            );
            const chosen = Object.values(result.allocation.ports);
            // Lowest free first: exactly the first `count` free ports of the range, ascending.
            const expected: number[] = [];
            for (
              let p = range.start;
              p <= range.end && expected.length < s.count;
              p++
            )
              if (!before.has(p)) expected.push(p);
            expect(chosen).toEqual(expected);
            ports = result.ports;
            const all = Object.values(ports).flatMap((a) =>
              Object.values(a.ports),
            );
            expect(new Set(all).size).toBe(all.length);
            expect(all.every((p) => p >= range.start && p <= range.end)).toBe(
              true,
            );
            expect(freePortCount(range, ports)).toBe(
              portRangeSize(range) - all.length,
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('port ranges and stored port records', () => {
  it('defaults to 2000-9999, 8000 ports', () => {
    expect(portRangeSize(DEFAULT_PORT_RANGE)).toBe(8000);
  });

  it('rejects inverted or out-of-bounds ranges', () => {
    expect(() => validatePortRange({ start: 10, end: 5 })).toThrow(
      ValidationError,
    );
    expect(() => validatePortRange({ start: 0, end: 5 })).toThrow(
      ValidationError,
    );
    expect(() => validatePortRange({ start: 2000, end: 70000 })).toThrow(
      ValidationError,
    );
  });

  it('parses a stored ports record and rejects one keyed by the wrong instance', () => {
    const ports = allocate({}, 'a', defs('p')).ports;
    expect(parseWorkerPorts(JSON.parse(JSON.stringify(ports)))).toEqual(ports);
    expect(() => parseWorkerPorts({ b: ports['a'] })).toThrow(ValidationError);
    expect(() =>
      parseWorkerPorts({
        a: { instanceId: 'a', ports: { p: 'x' }, allocatedAt: NOW },
      }),
    ).toThrow(ValidationError);
  });
});
