import { parse } from 'yaml';
import {
  isPlainObject,
  requireArray,
  requireObject,
  validateNewTemplate,
  ValidationError,
  type ValidWorkerTemplate,
} from '@lcm/domain';

/**
 * The seed file (docs/decisions/0010-create-only-template-seeding.md, `WORKER_TEMPLATES_CONFIG_PATH`): top key `templates:`, a list of
 * templates written in snake_case (as the original config) or camelCase. Tags are copied verbatim.
 * Unknown keys are refused, so a typo in the file fails start-up instead of being ignored.
 */

const FIELD_NAMES: Record<string, string> = {
  name: 'name',
  description: 'description',
  instance_type: 'instanceType',
  capacity: 'capacity',
  license_type: 'licenseType',
  max_nodes: 'maxNodes',
  ami_pattern: 'amiPattern',
  ami_name: 'amiName',
  ec2: 'ec2',
  region: 'region',
  startup_time_minutes: 'startupTimeMinutes',
  port_range: 'portRange',
  port_range_start: 'portRangeStart',
  port_range_end: 'portRangeEnd',
  drain_timeout_hours: 'drainTimeoutHours',
  tags: 'tags',
};
const KNOWN = new Set([
  ...Object.keys(FIELD_NAMES),
  ...Object.values(FIELD_NAMES),
]);
const CAPACITY_NAMES: Record<string, string> = {
  cpu_cores: 'cpuCores',
  memory_gb: 'memoryGb',
  storage_gb: 'storageGb',
};
const EC2_NAMES: Record<string, string> = {
  ami_id: 'amiId',
  ami_owner: 'amiOwner',
  subnet_ids: 'subnetIds',
  security_group_ids: 'securityGroupIds',
  key_name: 'keyName',
  iam_instance_profile: 'iamInstanceProfile',
  root_volume_gb: 'rootVolumeGb',
  user_data: 'userData',
};

/** Every template of the file, validated; the whole file is refused if one entry is wrong or a name repeats. */
export function parseTemplateSeed(text: string): ValidWorkerTemplate[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ValidationError(
      'templates',
      `the seed file is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const root = requireObject(document ?? {}, 'seed');
  const entries = requireArray(root['templates'] ?? [], 'templates', {
    max: 1000,
  });
  const templates = entries.map((entry, i) =>
    validateNewTemplate(
      camelCaseTemplate(entry, `templates[${i}]`),
      `templates[${i}]`,
    ),
  );
  templates.forEach((template, i) => {
    if (templates.findIndex((t) => t.name === template.name) !== i) {
      throw new ValidationError(
        `templates[${i}].name`,
        `${template.name} appears more than once`,
      );
    }
  });
  return templates;
}

function camelCaseTemplate(
  entry: unknown,
  at: string,
): Record<string, unknown> {
  const body = requireObject(entry, at);
  const template: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!KNOWN.has(key))
      throw new ValidationError(
        `${at}.${key}`,
        'is not a worker template field',
      );
    template[FIELD_NAMES[key] ?? key] = value;
  }
  if (isPlainObject(template['capacity'])) {
    template['capacity'] = Object.fromEntries(
      Object.entries(template['capacity']).map(([k, v]) => [
        CAPACITY_NAMES[k] ?? k,
        v,
      ]),
    );
  }
  if (isPlainObject(template['ec2'])) {
    template['ec2'] = Object.fromEntries(
      Object.entries(template['ec2']).map(([k, v]) => [EC2_NAMES[k] ?? k, v]),
    );
  }
  // The original config writes `port_range: {start, end}`, the data model `port_range_start/end`.
  const { portRangeStart, portRangeEnd } = template;
  delete template['portRangeStart'];
  delete template['portRangeEnd'];
  if (
    template['portRange'] === undefined &&
    (portRangeStart !== undefined || portRangeEnd !== undefined)
  ) {
    template['portRange'] = { start: portRangeStart, end: portRangeEnd };
  }
  return template;
}
