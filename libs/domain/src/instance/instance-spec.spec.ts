import { aSpec } from '../../test/domain-fixtures';
import { ValidationError } from '../errors';
import { capacityRequestOf, validateInstanceSpec } from './instance-spec';

describe('instance spec validation (definition admission rules)', () => {
  it('accepts the example spec', () => {
    expect(() => validateInstanceSpec(aSpec())).not.toThrow();
  });

  it.each([
    [
      'zero cpu',
      {
        requirements: {
          cpuCores: 0,
          memoryGb: 8,
          storageGb: 50,
          nestedVirt: true,
        },
      },
      'spec.requirements.cpuCores',
    ],
    ['empty affinity', { licenseAffinity: [] }, 'spec.licenseAffinity'],
    [
      'unknown licence',
      { licenseAffinity: ['GOLD' as 'PERSONAL'] },
      'spec.licenseAffinity[0]',
    ],
    ['no nodes', { nodeCount: 0 }, 'spec.nodeCount'],
    [
      'PERSONAL-only above 20 nodes',
      { licenseAffinity: ['PERSONAL' as const], nodeCount: 21 },
      'spec.nodeCount',
    ],
    [
      'duplicate ports',
      {
        ports: [
          { name: 'a', protocol: 'tcp' as const },
          { name: 'a', protocol: 'tcp' as const },
        ],
      },
      'spec.ports[1].name',
    ],
    ['bad hash', { labYamlHash: 'md5:abc' }, 'spec.labYamlHash'],
    ['zero duration', { maxDurationMinutes: 0 }, 'spec.maxDurationMinutes'],
    [
      'bad AMI min version',
      {
        requirements: {
          cpuCores: 1,
          memoryGb: 1,
          storageGb: 1,
          nestedVirt: true,
          amiRequirements: [{ minVersion: '2.9' }],
        },
      },
      'spec.requirements.amiRequirements[0].minVersion',
    ],
  ])('rejects %s', (_name, override, field) => {
    try {
      validateInstanceSpec(aSpec(override));
      fail('expected ValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field });
    }
  });

  it('allows more than 20 nodes when ENTERPRISE is accepted', () => {
    expect(() =>
      validateInstanceSpec(
        aSpec({ licenseAffinity: ['PERSONAL', 'ENTERPRISE'], nodeCount: 50 }),
      ),
    ).not.toThrow();
  });

  it('asks a worker for cpu, memory, storage and one node slot per node', () => {
    expect(capacityRequestOf(aSpec())).toEqual({
      cpuCores: 4,
      memoryGb: 8,
      storageGb: 50,
      maxNodes: 2,
    });
  });
});
