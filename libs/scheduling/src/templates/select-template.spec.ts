import {
  aSpec,
  aTemplate,
  ENTERPRISE_LARGE,
  PERSONAL_STANDARD,
} from '../../test/scheduling-fixtures';
import { selectTemplate } from './select-template';

const region = { region: 'eu-west-1' };

describe('selectTemplate (docs/scheduling.md#template-selection)', () => {
  it('prefers the smallest capacity (cpu, then memory, then storage)', () => {
    const small = aTemplate({
      name: 'z-small',
      capacity: { cpuCores: 16, memoryGb: 64, storageGb: 200 },
    });
    const lessMemory = aTemplate({
      name: 'y-less-memory',
      capacity: { cpuCores: 16, memoryGb: 32, storageGb: 900 },
    });
    const selection = selectTemplate(
      aSpec(),
      [PERSONAL_STANDARD, small, lessMemory],
      region,
    );
    expect(selection.template?.name).toBe('y-less-memory');
    expect(selection.reason).toBe('smallest eligible template (3 eligible)');
  });

  it('at equal capacity prefers PERSONAL, then ENTERPRISE, then EVALUATION', () => {
    const evaluation = aTemplate({ name: 'a-eval', licenseType: 'EVALUATION' });
    const spec = aSpec({
      licenseAffinity: ['EVALUATION', 'ENTERPRISE', 'PERSONAL'],
    });
    expect(
      selectTemplate(
        spec,
        [evaluation, ENTERPRISE_LARGE, PERSONAL_STANDARD],
        region,
      ).template?.name,
    ).toBe('personal-standard');
    expect(
      selectTemplate(spec, [evaluation, ENTERPRISE_LARGE], region).template
        ?.name,
    ).toBe('enterprise-large');
  });

  it('then by name, whatever order the templates come in', () => {
    const b = aTemplate({ name: 'b' });
    const a = aTemplate({ name: 'a' });
    expect(selectTemplate(aSpec(), [b, a], region).template?.name).toBe('a');
    expect(selectTemplate(aSpec(), [a, b], region).template?.name).toBe('a');
  });

  it('says when it was the only choice', () => {
    expect(selectTemplate(aSpec(), [PERSONAL_STANDARD], region).reason).toBe(
      'the only eligible template',
    );
  });

  it('refuses a template for each rule it breaks, and says why none is eligible', () => {
    const spec = aSpec({
      licenseAffinity: ['PERSONAL'],
      memoryGb: 256,
      nodeCount: 20,
      portCount: 3,
      amiRequirements: [{ minVersion: '2.10.0' }],
    });
    const bad = aTemplate({
      name: 'bad',
      licenseType: 'ENTERPRISE',
      maxNodes: 10,
      portRange: { start: 3000, end: 3001 },
      region: 'us-east-1',
    });
    const selection = selectTemplate(spec, [bad], region);
    expect(selection.template).toBeNull();
    expect(selection.rejections).toEqual([
      {
        template: 'bad',
        reasons: [
          'license mismatch',
          'too small (memory, nodes)',
          'AMI mismatch',
          'port range too small',
          'region us-east-1, not eu-west-1',
        ],
      },
    ]);
    expect(selection.reason).toBe(
      'no eligible template (bad: license mismatch, too small (memory, nodes), AMI mismatch, port range too small, region us-east-1, not eu-west-1)',
    );
  });

  it('checks the AMI pattern, or the pinned AMI name when the template has one', () => {
    const spec = aSpec({
      amiRequirements: [{ namePattern: 'CML-2.9.*', minVersion: '2.9.1' }],
    });
    expect(
      selectTemplate(spec, [aTemplate({ amiPattern: 'CML-2.9.*' })], region)
        .template,
    ).toBeNull();
    expect(
      selectTemplate(
        spec,
        [aTemplate({ amiPattern: 'CML-2.9.*', amiName: 'CML-2.9.1' })],
        region,
      ).template,
    ).not.toBeNull();
  });

  it('says when there are no templates at all', () => {
    expect(selectTemplate(aSpec(), [], region)).toEqual({
      template: null,
      reason: 'no eligible template (no templates defined)',
      rejections: [],
    });
  });
});
