import { readFileSync } from 'node:fs';
import { defaultWorkerTemplatesPath } from './default-templates';
import { parseTemplateSeed } from './worker-template.seed';
import { validateNewTemplate } from '@lcm/domain';

describe('the shipped worker template seed file', () => {
  it('holds the two SPEC templates, valid, with ManagedBy: lcm', () => {
    const templates = parseTemplateSeed(
      readFileSync(defaultWorkerTemplatesPath(), 'utf8'),
    );
    expect(templates.map((t) => t.name)).toEqual([
      'personal-standard',
      'enterprise-large',
    ]);
    expect(templates[0]).toMatchObject({
      licenseType: 'PERSONAL',
      maxNodes: 20,
      portRange: { start: 2000, end: 9999 },
      startupTimeMinutes: 20,
    });
    expect(templates[1]).toMatchObject({
      licenseType: 'ENTERPRISE',
      maxNodes: 500,
      capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 },
    });
    for (const t of templates) expect(t.tags['ManagedBy']).toBe('lcm');
    for (const t of templates)
      expect(t.ec2).toEqual({ amiOwner: 'self', rootVolumeGb: 500 });
  });

  it('refuses a file whose top level is not a mapping with templates', () => {
    expect(() => parseTemplateSeed('- a\n- b\n')).toThrow(
      expect.objectContaining({ field: 'seed' }),
    );
    expect(() => parseTemplateSeed('templates: 3\n')).toThrow(
      expect.objectContaining({ field: 'templates' }),
    );
    expect(() => parseTemplateSeed('templates: [\n')).toThrow(
      expect.objectContaining({ field: 'templates' }),
    );
  });
});

describe('the EC2 settings of a template', () => {
  const base = {
    name: 'aws-standard',
    instanceType: 'm5zn.metal',
    capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 },
    licenseType: 'PERSONAL',
    maxNodes: 20,
    amiPattern: 'CML-2.9.*',
    region: 'us-east-1',
    startupTimeMinutes: 20,
    portRange: { start: 2000, end: 9999 },
  };
  const ec2 = {
    amiId: 'ami-0123456789abcdef0',
    amiOwner: '123456789012',
    subnetIds: ['subnet-0123456789abcdef0', 'subnet-01234567'],
    securityGroupIds: ['sg-0123456789abcdef0'],
    keyName: 'lcm-workers',
    iamInstanceProfile: 'arn:aws:iam::123456789012:instance-profile/lcm-worker',
    rootVolumeGb: 200,
    userData: '#cloud-config\n',
  };

  it('are kept as given when valid, and read from snake_case in the seed file', () => {
    expect(validateNewTemplate({ ...base, ec2 }).ec2).toEqual(ec2);
    expect(validateNewTemplate(base).ec2).toBeUndefined();
    const [seeded] = parseTemplateSeed(
      [
        'templates:',
        '  - name: aws-standard',
        '    instance_type: m5zn.metal',
        '    capacity: {cpu_cores: 48, memory_gb: 192, storage_gb: 500}',
        '    license_type: PERSONAL',
        '    max_nodes: 20',
        '    ami_pattern: CML-2.9.*',
        '    region: us-east-1',
        '    startup_time_minutes: 20',
        '    port_range: {start: 2000, end: 9999}',
        '    ec2:',
        '      subnet_ids: [subnet-0123456789abcdef0]',
        '      iam_instance_profile: lcm-worker',
        '      root_volume_gb: 300',
        '',
      ].join('\n'),
    );
    expect(seeded.ec2).toEqual({
      subnetIds: ['subnet-0123456789abcdef0'],
      iamInstanceProfile: 'lcm-worker',
      rootVolumeGb: 300,
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['ec2.amiId', { amiId: 'ami-xyz' }],
    ['ec2.amiOwner', { amiOwner: 'someone' }],
    ['ec2.subnetIds', { subnetIds: [] }],
    ['ec2.subnetIds[0]', { subnetIds: ['sg-0123456789abcdef0'] }],
    ['ec2.securityGroupIds[0]', { securityGroupIds: ['sg-1', 'sg-2'] }],
    ['ec2.iamInstanceProfile', { iamInstanceProfile: 'arn:aws:iam::1:role/x' }],
    ['ec2.rootVolumeGb', { rootVolumeGb: 4 }],
    ['ec2.userData', { userData: 'x'.repeat(16 * 1024 + 1) }],
    ['ec2.instanceType', { instanceType: 'm5.large' }],
  ])('refuses a bad value of %s', (field, settings) => {
    expect(() => validateNewTemplate({ ...base, ec2: settings })).toThrow(
      expect.objectContaining({ field }),
    );
  });
});
