// fast-check generators for the scheduling property tests. Records are still built through the
// domain's transitions (see scheduling-fixtures), so every generated case is a reachable one.
import fc from 'fast-check';
import type { LabletInstance, LicenseType, WorkerState } from '@lcm/domain';
import type { WorkerView } from '../src/index';
import {
  aPendingInstance,
  aWorker,
  at,
  withAllocated,
  withPortsHeld,
  type SizedShape,
  type SpecShape,
} from './scheduling-fixtures';

const LICENSES: LicenseType[] = ['PERSONAL', 'ENTERPRISE', 'EVALUATION'];

/** Workers of one licence come from one template. */
export const TEMPLATE_OF: Readonly<Record<LicenseType, string>> = {
  PERSONAL: 'personal-standard',
  ENTERPRISE: 'enterprise-large',
  EVALUATION: 'evaluation',
};

export const specShapeArb: fc.Arbitrary<SpecShape> = fc.record({
  cpuCores: fc.integer({ min: 1, max: 12 }),
  memoryGb: fc.integer({ min: 1, max: 48 }),
  storageGb: fc.integer({ min: 1, max: 150 }),
  nodeCount: fc.integer({ min: 1, max: 8 }),
  portCount: fc.integer({ min: 0, max: 4 }),
  licenseAffinity: fc.constantFrom<LicenseType[]>(
    ['PERSONAL', 'ENTERPRISE'],
    ['PERSONAL', 'ENTERPRISE'],
    ['PERSONAL'],
    ['ENTERPRISE'],
    ['EVALUATION'],
    [...LICENSES],
  ),
  amiRequirements: fc.constantFrom(
    undefined,
    undefined,
    undefined,
    [{ minVersion: '2.9.0' }],
    [{ namePattern: 'CML-2.9.*' }],
  ),
});

/** A pending instance with a random spec; `index` keeps ids unique and the queue order stable. */
export function pendingInstanceArb(
  index: number,
): fc.Arbitrary<LabletInstance> {
  return specShapeArb.map((shape) =>
    aPendingInstance({ ...shape, id: `i-${index}`, startsIn: index }),
  );
}

export function pendingInstancesArb(
  min: number,
  max: number,
): fc.Arbitrary<LabletInstance[]> {
  return fc
    .array(specShapeArb, { minLength: min, maxLength: max })
    .map((shapes) =>
      shapes.map((shape, i) =>
        aPendingInstance({ ...shape, id: `i-${i}`, startsIn: i }),
      ),
    );
}

type ViewState = Exclude<WorkerState, 'terminated' | 'failed'>;
/** Fractions of declared cpu, memory, storage and nodes already allocated. */
type Load = [number, number, number, number];

interface WorkerCase {
  state: ViewState;
  cordoned: boolean;
  licenseType: LicenseType;
  amiName: string | null;
  declared: {
    cpuCores: number;
    memoryGb: number;
    storageGb: number;
    maxNodes: number;
  };
  load: Load;
  portRangeSize: number;
  portsHeld: number;
  /** Minutes after T0; few values, so the createdAt tie-break matters. */
  createdAt: number;
}

const loadArb: fc.Arbitrary<Load> = fc.oneof(
  // Mostly one level in every dimension; sometimes a single dimension is full.
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(0, 0, 0.25, 0.5, 0.75, 1)
      .map((l): Load => [l, l, l, l]),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(0.25, 0.5))
      .map(([full, l]): Load => {
        const load: Load = [l, l, l, l];
        load[full] = 1;
        return load;
      }),
  },
);

const workerCaseArb: fc.Arbitrary<WorkerCase> = fc.record({
  state: fc.constantFrom<ViewState>(
    'running',
    'running',
    'running',
    'running',
    'running',
    'running',
    'draining',
    'provisioning',
    'pending',
    'stopped',
  ),
  // One running worker in ten is cordoned.
  cordoned: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  licenseType: fc.constantFrom<LicenseType>(
    'PERSONAL',
    'PERSONAL',
    'ENTERPRISE',
    'ENTERPRISE',
    'EVALUATION',
  ),
  amiName: fc.constantFrom<string | null>(
    'CML-2.9.1',
    'CML-2.9.1',
    'CML-2.8.0',
    null,
  ),
  declared: fc.record({
    cpuCores: fc.integer({ min: 8, max: 48 }),
    memoryGb: fc.integer({ min: 32, max: 192 }),
    storageGb: fc.integer({ min: 100, max: 500 }),
    maxNodes: fc.integer({ min: 5, max: 20 }),
  }),
  load: loadArb,
  portRangeSize: fc.integer({ min: 2, max: 12 }),
  portsHeld: fc.constantFrom(0, 0, 1, 4, 12),
  createdAt: fc.constantFrom(-120, -60, 0),
});

function buildWorker(c: WorkerCase, id: string): WorkerView {
  const start = 3000;
  let view = aWorker(c.state, {
    id,
    templateName: TEMPLATE_OF[c.licenseType],
    licenseType: c.licenseType,
    amiName: c.amiName,
    declared: c.declared,
    portRange: { start, end: start + c.portRangeSize - 1 },
    createdAt: at(c.createdAt),
    cordoned: c.cordoned && c.state === 'running',
  });
  const [cpu, mem, sto, nodes] = c.load;
  view = withAllocated(view, {
    cpuCores: Math.floor(c.declared.cpuCores * cpu),
    memoryGb: Math.floor(c.declared.memoryGb * mem),
    storageGb: Math.floor(c.declared.storageGb * sto),
    maxNodes: Math.floor(c.declared.maxNodes * nodes),
  });
  const held = Math.min(c.portsHeld, c.portRangeSize);
  return held > 0 ? withPortsHeld(view, start, start + held - 1) : view;
}

/** 0-6 workers in every state, licence, AMI, load and port usage; ids w-0, w-1, ... */
export const workerViewsArb: fc.Arbitrary<WorkerView[]> = fc
  .array(workerCaseArb, { maxLength: 6, size: 'max' })
  .map((cases) => cases.map((c, i) => buildWorker(c, `w-${i}`)));

/**
 * 1-6 running PERSONAL/ENTERPRISE workers on CML-2.9.1 built from two capacity shapes and a few
 * load levels: most of them are feasible for `compatibleInstanceArb`, and equal scores are
 * common, so ranking and the tie-break are what the test exercises.
 */
export const feasibleWorkerViewsArb: fc.Arbitrary<WorkerView[]> = fc
  .array(
    fc.record({
      state: fc.constant<ViewState>('running'),
      cordoned: fc.constant(false),
      licenseType: fc.constantFrom<LicenseType>('PERSONAL', 'ENTERPRISE'),
      amiName: fc.constant('CML-2.9.1'),
      declared: fc.constantFrom(
        { cpuCores: 48, memoryGb: 192, storageGb: 500, maxNodes: 20 },
        { cpuCores: 24, memoryGb: 96, storageGb: 250, maxNodes: 20 },
      ),
      load: fc.constantFrom(0, 0, 0.25, 0.5).map((l): Load => [l, l, l, l]),
      portRangeSize: fc.constantFrom(8, 12),
      portsHeld: fc.constantFrom(0, 0, 1, 4),
      createdAt: fc.constantFrom(-60, 0),
    }),
    { minLength: 1, maxLength: 6, size: 'max' },
  )
  .map((cases) => cases.map((c, i) => buildWorker(c, `w-${i}`)));

/** An instance any worker of `feasibleWorkerViewsArb` accepts when it has the room. */
export function compatibleInstanceArb(
  index: number,
): fc.Arbitrary<LabletInstance> {
  return specShapeArb.map((shape) =>
    aPendingInstance({
      ...shape,
      licenseAffinity: ['PERSONAL', 'ENTERPRISE'],
      amiRequirements: undefined,
      id: `i-${index}`,
      startsIn: index,
    }),
  );
}

/** A permutation of 0..n-1. */
export function permutationArb(n: number): fc.Arbitrary<number[]> {
  const indices = Array.from({ length: n }, (_, i) => i);
  return fc.shuffledSubarray(indices, { minLength: n, maxLength: n });
}

/**
 * Independent sizes in every dimension, each up to 5/8 of a SIXTEEN_WORKER (so instances do share
 * workers, and one-at-a-time placement can waste one).
 */
export const sixteenthSizeArb: fc.Arbitrary<SizedShape> = fc.record({
  cpuCores: fc.integer({ min: 1, max: 10 }),
  memoryGb: fc.integer({ min: 1, max: 40 }),
  storageGb: fc.integer({ min: 1, max: 250 }),
  nodeCount: fc.integer({ min: 1, max: 10 }),
  portCount: fc.integer({ min: 0, max: 10 }),
});
