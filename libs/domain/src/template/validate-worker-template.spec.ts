import { ValidationError } from '../errors';
import { createWorker, workerInputFromTemplate } from '../worker/create-worker';
import type { NewWorkerTemplate, WorkerTemplate } from './worker-template';
import {
  validateNewTemplate,
  validateTemplatePatch,
} from './validate-worker-template';

// The store's contract suites (libs/doc-store/test/contract) run the full table of bad inputs
// through every driver; these pin the rules here, where they live.
function template(overrides: Record<string, unknown> = {}): NewWorkerTemplate {
  return {
    name: 'personal-small',
    instanceType: 'm5zn.metal',
    capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 },
    licenseType: 'PERSONAL',
    maxNodes: 20,
    amiPattern: 'CML-2.9.*',
    region: 'us-east-1',
    startupTimeMinutes: 20,
    portRange: { start: 2000, end: 9999 },
    ...overrides,
  } as NewWorkerTemplate;
}

function fieldOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error('expected a ValidationError');
}

describe('WorkerTemplate rules', () => {
  it('applies the defaults and always tags ManagedBy: lcm', () => {
    const valid = validateNewTemplate(template({ tags: { Team: 'labs' } }));
    expect(valid).toMatchObject({
      description: '',
      drainTimeoutHours: 4,
      tags: { Team: 'labs', ManagedBy: 'lcm' },
    });
  });

  it('refuses a PERSONAL template over 20 nodes, a reversed port range and an amiName outside amiPattern', () => {
    expect(fieldOf(() => validateNewTemplate(template({ maxNodes: 21 })))).toBe(
      'maxNodes',
    );
    expect(() =>
      validateNewTemplate(
        template({ maxNodes: 21, licenseType: 'ENTERPRISE' }),
      ),
    ).not.toThrow();
    expect(
      fieldOf(() =>
        validateNewTemplate(
          template({ portRange: { start: 3000, end: 2000 } }),
        ),
      ),
    ).toBe('portRange');
    expect(
      fieldOf(() => validateNewTemplate(template({ amiName: 'CML-2.8.0' }))),
    ).toBe('amiName');
  });

  it('a patch may not rename the template', () => {
    expect(
      fieldOf(() => validateTemplatePatch({ name: 'other' }, 'personal-small')),
    ).toBe('name');
    expect(
      validateTemplatePatch(
        { name: 'personal-small', maxNodes: 10, id: 'x' },
        'personal-small',
      ),
    ).toEqual({ maxNodes: 10 });
  });
});

describe('workerInputFromTemplate', () => {
  const stored: WorkerTemplate = {
    id: 't-1',
    ...validateNewTemplate(template()),
    isSeeded: true,
    createdAt: '2026-01-16T10:00:00.000Z',
    updatedAt: '2026-01-16T10:00:00.000Z',
  };

  it("takes everything but the identity from the template, and declares its capacity with the licence's node limit", () => {
    const input = workerInputFromTemplate(stored, {
      id: 'w-1',
      name: 'worker-1',
    });
    expect(input).toEqual({
      id: 'w-1',
      name: 'worker-1',
      templateName: 'personal-small',
      licenseType: 'PERSONAL',
      region: 'us-east-1',
      portRange: { start: 2000, end: 9999 },
      declaredCapacity: {
        cpuCores: 48,
        memoryGb: 192,
        storageGb: 500,
        maxNodes: 20,
      },
      drainTimeoutHours: 4,
      startupTimeMinutes: 20,
    });
    const change = createWorker(input, {
      now: '2026-01-16T10:00:00.000Z',
      triggeredBy: 'admin',
    });
    expect(change.capacity?.declared).toEqual(input.declaredCapacity);
  });

  it('an adopted VM keeps its own region', () => {
    expect(
      workerInputFromTemplate(stored, {
        id: 'w-2',
        name: 'w-2',
        region: 'eu-west-1',
      }).region,
    ).toBe('eu-west-1');
  });
});
