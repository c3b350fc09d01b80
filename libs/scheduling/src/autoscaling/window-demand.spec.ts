import fc from 'fast-check';
import type { InstanceState } from '@lcm/domain';
import type { TemplateView } from '../templates/template-view';
import {
  windowDemand,
  windowOverflow,
  workersToHold,
  type Booked,
} from './window-demand';

const spec = (cpuCores = 30, memoryGb = 8, storageGb = 50, nodeCount = 2) => ({
  requirements: { cpuCores, memoryGb, storageGb, nestedVirt: true },
  licenseAffinity: ['PERSONAL' as const],
  nodeCount,
  ports: [],
  labYamlHash: `sha256:${'a'.repeat(64)}`,
  maxDurationMinutes: 240,
});
const at = (minutes: number) =>
  new Date(Date.UTC(2026, 0, 1, 10) + minutes * 60_000).toISOString();
const slot = (from: number, to: number, s = spec()) => ({
  spec: s,
  timeslotStart: at(from),
  timeslotEnd: at(to),
});
const template: TemplateView = {
  name: 'personal-standard',
  licenseType: 'PERSONAL',
  capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 },
  maxNodes: 20,
  amiPattern: 'CML-2.9.*',
  region: 'r',
  portRange: { start: 2000, end: 9999 },
  startupTimeMinutes: 20,
};

/** The packing one lab at a time, as first-fit decreasing is written in a textbook (the reference). */
function packOneByOne(
  specs: ReturnType<typeof spec>[],
  t: Pick<TemplateView, 'capacity' | 'maxNodes'>,
): number {
  const items = specs.map((s) => [
    s.requirements.cpuCores / t.capacity.cpuCores,
    s.requirements.memoryGb / t.capacity.memoryGb,
    s.requirements.storageGb / t.capacity.storageGb,
    s.nodeCount / t.maxNodes,
  ]);
  items.sort((a, b) => {
    const byLargest = Math.max(...b) - Math.max(...a);
    if (byLargest !== 0) return byLargest;
    for (let d = 0; d < 4; d++) if (a[d] !== b[d]) return b[d] - a[d];
    return 0;
  });
  const bins: number[][] = [];
  for (const item of items) {
    const bin = bins.find((b) =>
      b.every((used, d) => used + item[d] <= 1 + 1e-9),
    );
    if (bin) item.forEach((v, d) => (bin[d] += v));
    else bins.push([...item]);
  }
  return bins.length;
}

const specArb = fc
  .record({
    cpu: fc.constantFrom(1, 2, 4, 8, 12, 16, 30, 48),
    memory: fc.constantFrom(2, 8, 16, 64, 96),
    storage: fc.constantFrom(10, 50, 120, 250),
    nodes: fc.integer({ min: 1, max: 20 }),
  })
  .map(({ cpu, memory, storage, nodes }) => spec(cpu, memory, storage, nodes));

describe('workersToHold (first-fit decreasing, by groups of equal labs)', () => {
  it('needs as many workers as packing the labs one by one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(specArb, fc.integer({ min: 1, max: 40 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (kinds) => {
          const specs = kinds.flatMap(([s, n]) =>
            Array.from({ length: n }, () => s),
          );
          expect(workersToHold(specs, template)).toBe(
            packOneByOne(specs, template),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('packs labs that share a worker: three of 30 cpu need three workers, ten of 4 cpu one', () => {
    expect(workersToHold([spec(), spec(), spec()], template)).toBe(3);
    expect(
      workersToHold(
        Array.from({ length: 10 }, () => spec(4, 8, 50, 2)),
        template,
      ),
    ).toBe(1);
    expect(
      workersToHold(
        Array.from({ length: 11 }, () => spec(4, 8, 50, 2)),
        template,
      ),
    ).toBe(2);
  });
});

describe('windowDemand', () => {
  it('counts instances where they overlap each other, not all that touch the window, packed per worker', () => {
    // A and B both overlap the booking but not each other: the peak is 2 instances; 30 of 48 cpu
    // each, one per worker: 2 workers.
    const demand = windowDemand(
      slot(0, 120),
      [slot(0, 30), slot(60, 90), slot(120, 180)],
      [template],
      'r',
    );
    expect(demand).toMatchObject({
      instances: 2,
      cpuCores: 60,
      nodes: 4,
      workersNeeded: 2,
    });
  });

  it('packs labs that share a worker: three of 30 cpu need three workers, not ceil(90 / 48)', () => {
    expect(
      windowDemand(slot(0, 60), [slot(0, 60), slot(0, 60)], [template], 'r')
        .workersNeeded,
    ).toBe(3);
  });

  it('leaves terminal instances out', () => {
    const ended = { ...slot(0, 60), state: 'terminated' as InstanceState };
    expect(
      windowDemand(slot(0, 60), [ended, ended], [template], 'r').workersNeeded,
    ).toBe(1);
  });
});

describe('windowOverflow (admission: the window against MAX_WORKERS)', () => {
  const bookedArb = fc
    .record({
      start: fc.integer({ min: 0, max: 240 }),
      length: fc.integer({ min: 15, max: 180 }),
      spec: specArb,
      copies: fc.integer({ min: 1, max: 30 }),
    })
    .map(({ start, length, spec: s, copies }) =>
      Array.from({ length: copies }, () => slot(start, start + length, s)),
    );

  it('refuses exactly when the peak needs more than the limit, with the same peak figures', () => {
    fc.assert(
      fc.property(
        fc.array(bookedArb, { maxLength: 8 }).map((groups) => groups.flat()),
        bookedArb.map((copies) => copies[0]),
        fc.integer({ min: 0, max: 40 }),
        (existing: Booked[], booking: Booked, maxWorkers) => {
          const peak = windowDemand(booking, existing, [template], 'r');
          const overflow = windowOverflow(
            booking,
            existing,
            [template],
            'r',
            maxWorkers,
          );
          if (peak.workersNeeded > maxWorkers) expect(overflow).toEqual(peak);
          else expect(overflow).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('admits up to the last worker of a window of equal labs, and refuses the next one', () => {
    // 4 cpu / 50 GB / 2 nodes: ten per worker (storage and nodes), so 2 workers hold 20.
    const small = spec(4, 8, 50, 2);
    const existing = Array.from({ length: 19 }, () => slot(0, 60, small));
    expect(
      windowOverflow(slot(0, 60, small), existing, [template], 'r', 2),
    ).toBeUndefined();
    expect(
      windowOverflow(
        slot(30, 90, small),
        [...existing, slot(0, 60, small)],
        [template],
        'r',
        2,
      ),
    ).toMatchObject({ instances: 21, workersNeeded: 3, peakAt: at(30) });
  });
});
