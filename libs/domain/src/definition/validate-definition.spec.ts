import { ValidationError } from '../errors';
import { hashLabYaml } from '../lab/lab-yaml-placeholders';
import {
  instanceSpecOf,
  validateInstanceSpec,
} from '../instance/instance-spec';
import type { NewLabletDefinition } from './lablet-definition';
import {
  validateNewDefinition,
  validateRegisterDefinitionInput,
} from './validate-definition';

// The store's contract suites (libs/doc-store/test/contract) run the full table of bad inputs
// through every driver; these pin the rules here, where they live.
const LAB =
  'lab:\n  title: t\nnodes:\n  - tags:\n      - serial:${PORT_SERIAL_1}\n';

function definition(
  overrides: Record<string, unknown> = {},
): NewLabletDefinition {
  return {
    name: 'devasc-lab',
    version: '1.0.0',
    labYaml: LAB,
    resourceRequirements: {
      cpuCores: 4,
      memoryGb: 8,
      storageGb: 50,
      nestedVirt: true,
    },
    licenseAffinity: ['PERSONAL'],
    nodeCount: 3,
    portTemplate: { ports: [{ name: 'serial_1', protocol: 'tcp' }] },
    maxDurationMinutes: 120,
    createdBy: 'admin',
    ...overrides,
  } as NewLabletDefinition;
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

describe('LabletDefinition rules', () => {
  it('returns a normalised copy holding only known fields', () => {
    const valid = validateNewDefinition({
      ...definition(),
      labYamlHash: 'sha256:forged',
      id: 'x',
    });
    expect(valid).toEqual(definition());
    expect(valid).not.toHaveProperty('labYamlHash');
  });

  it('refuses a placeholder naming no port, more than 20 nodes for PERSONAL only, and clashing port names', () => {
    expect(
      fieldOf(() =>
        validateNewDefinition(
          definition({ labYaml: `${LAB}x: \${PORT_VNC_1}\n` }),
        ),
      ),
    ).toBe('labYaml');
    expect(
      fieldOf(() => validateNewDefinition(definition({ nodeCount: 21 }))),
    ).toBe('nodeCount');
    expect(() =>
      validateNewDefinition(
        definition({
          nodeCount: 21,
          licenseAffinity: ['PERSONAL', 'ENTERPRISE'],
        }),
      ),
    ).not.toThrow();
    const clash = {
      ports: [
        { name: 'serial_1', protocol: 'tcp' },
        { name: 'SERIAL-1', protocol: 'udp' },
      ],
    };
    expect(
      fieldOf(() => validateNewDefinition(definition({ portTemplate: clash }))),
    ).toBe('portTemplate.ports[1].name');
  });

  it('a registration may leave the version out, but a given one must be canonical semver', () => {
    const { version: _version, ...unversioned } = definition();
    expect(validateRegisterDefinitionInput(unversioned)).not.toHaveProperty(
      'version',
    );
    expect(
      fieldOf(() =>
        validateRegisterDefinitionInput({ ...unversioned, version: 'v1.0.0' }),
      ),
    ).toBe('version');
  });

  it('the instance spec of a valid definition passes the instance admission rules', () => {
    const valid = validateNewDefinition(definition());
    const spec = instanceSpecOf({
      ...valid,
      labYamlHash: hashLabYaml(valid.labYaml),
    });
    expect(spec).toEqual({
      requirements: valid.resourceRequirements,
      licenseAffinity: ['PERSONAL'],
      nodeCount: 3,
      ports: [{ name: 'serial_1', protocol: 'tcp' }],
      labYamlHash: hashLabYaml(LAB),
      maxDurationMinutes: 120,
    });
    expect(() => validateInstanceSpec(spec)).not.toThrow();
  });

  it('takes an optional instantiation allowance within 1-240 minutes and copies it into the instance spec', () => {
    expect(validateNewDefinition(definition())).not.toHaveProperty(
      'instantiationAllowanceMinutes',
    );
    const valid = validateNewDefinition(
      definition({ instantiationAllowanceMinutes: 4 }),
    );
    expect(valid.instantiationAllowanceMinutes).toBe(4);
    const spec = instanceSpecOf({
      ...valid,
      labYamlHash: hashLabYaml(valid.labYaml),
    });
    expect(spec.instantiationAllowanceMinutes).toBe(4);
    expect(() => validateInstanceSpec(spec)).not.toThrow();
    for (const bad of [0, -5, 241, 1.5, '4', true])
      expect(
        fieldOf(() =>
          validateNewDefinition(
            definition({ instantiationAllowanceMinutes: bad }),
          ),
        ),
      ).toBe('instantiationAllowanceMinutes');
    expect(
      validateNewDefinition(
        definition({ instantiationAllowanceMinutes: null }),
      ),
    ).not.toHaveProperty('instantiationAllowanceMinutes');
  });
});
