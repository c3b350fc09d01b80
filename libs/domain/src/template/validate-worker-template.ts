import { ValidationError } from '../errors';
import { globMatches } from '../values/ami-requirement';
import {
  describeValue,
  isPlainObject,
  optionalInteger,
  optionalString,
  requireArray,
  requireInteger,
  requireObject,
  requireOneOf,
  requireString,
} from '../values/field-checks';
import {
  LICENSE_TYPES,
  PERSONAL_LICENSE_MAX_NODES,
} from '../values/license-type';
import type { PortRange } from '../values/port-allocation';
import {
  MANAGED_BY_TAG,
  type NewWorkerTemplate,
  type TemplateCapacity,
  type WorkerTemplateEc2,
  type WorkerTemplatePatch,
} from './worker-template';

/** A normalised, complete template input: every default applied, `ManagedBy: lcm` in the tags. */
export type ValidWorkerTemplate = Required<
  Omit<NewWorkerTemplate, 'amiName' | 'ec2'>
> & { amiName?: string; ec2?: WorkerTemplateEc2 };

export const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** A cloud instance type such as `m5zn.metal` (at most 64 characters). */
export const INSTANCE_TYPE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A region name such as `us-east-1`. */
export const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Template port ranges stay above the privileged ports. */
export const TEMPLATE_MIN_PORT = 1024;
export const TEMPLATE_MAX_PORT = 65535;
export const DEFAULT_DRAIN_TIMEOUT_HOURS = 4;
const MAX_TAGS = 50;

export function validateTemplateName(value: unknown, field = 'name'): string {
  return requireString(value, field, {
    max: 128,
    pattern: TEMPLATE_NAME,
    patternHint:
      'must start with a letter or digit and contain only letters, digits and . _ -',
  });
}

/** The one place a template is checked, for create, update (the merged result) and seeding. */
export function validateNewTemplate(
  input: unknown,
  at = '',
): ValidWorkerTemplate {
  const body = requireObject(input, at === '' ? 'template' : at);
  const path = (field: string): string =>
    at === '' ? field : `${at}.${field}`;
  const name = validateTemplateName(body['name'], path('name'));
  const description =
    optionalString(body['description'], path('description'), {
      min: 0,
      max: 4096,
    }) ?? '';
  const instanceType = requireString(
    body['instanceType'],
    path('instanceType'),
    {
      max: 64,
      pattern: INSTANCE_TYPE,
      patternHint: 'must be an instance type such as m5zn.metal',
    },
  );
  const capacity = validateCapacity(body['capacity'], path('capacity'));
  const licenseType = requireOneOf(
    body['licenseType'],
    path('licenseType'),
    LICENSE_TYPES,
  );
  const maxNodes = requireInteger(body['maxNodes'], path('maxNodes'), {
    min: 1,
    max: 10_000,
  });
  if (licenseType === 'PERSONAL' && maxNodes > PERSONAL_LICENSE_MAX_NODES) {
    throw new ValidationError(
      path('maxNodes'),
      `must be at most ${PERSONAL_LICENSE_MAX_NODES} for a PERSONAL licence, got ${maxNodes}`,
    );
  }
  const amiPattern = requireString(body['amiPattern'], path('amiPattern'), {
    max: 128,
  });
  const amiName = optionalString(body['amiName'], path('amiName'), {
    max: 128,
  });
  if (amiName !== undefined && !globMatches(amiPattern, amiName)) {
    throw new ValidationError(
      path('amiName'),
      `${JSON.stringify(amiName)} does not match amiPattern ${JSON.stringify(amiPattern)}`,
    );
  }
  const ec2 =
    body['ec2'] == null ? undefined : validateEc2(body['ec2'], path('ec2'));
  const region = requireString(body['region'], path('region'), {
    max: 64,
    pattern: REGION_NAME,
    patternHint: 'must be a region name such as us-east-1',
  });
  const startupTimeMinutes = requireInteger(
    body['startupTimeMinutes'],
    path('startupTimeMinutes'),
    { min: 1, max: 24 * 60 },
  );
  const portRange = validateTemplatePortRange(
    body['portRange'],
    path('portRange'),
  );
  const drainTimeoutHours =
    body['drainTimeoutHours'] == null
      ? DEFAULT_DRAIN_TIMEOUT_HOURS
      : requireInteger(body['drainTimeoutHours'], path('drainTimeoutHours'), {
          min: 0,
          max: 24 * 30,
        });
  const tags = validateTags(body['tags'], path('tags'));
  return {
    name,
    description,
    instanceType,
    capacity,
    licenseType,
    maxNodes,
    amiPattern,
    ...(amiName !== undefined && { amiName }),
    ...(ec2 !== undefined && { ec2 }),
    region,
    startupTimeMinutes,
    portRange,
    drainTimeoutHours,
    tags,
  };
}

/** A patch may not rename (workers refer to their template by name); the merged result is validated whole. */
export function validateTemplatePatch(
  patch: unknown,
  currentName: string,
): WorkerTemplatePatch {
  const body = requireObject(patch, 'patch');
  if (body['name'] !== undefined && body['name'] !== currentName) {
    throw new ValidationError(
      'name',
      'cannot be changed (workers refer to their template by name); create a new template instead',
    );
  }
  // Identity and bookkeeping fields are the repository's; `undefined` means "not given".
  const {
    name: _name,
    id: _id,
    isSeeded: _isSeeded,
    createdAt: _createdAt,
    updatedAt: _updatedAt,
    ...fields
  } = body;
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as WorkerTemplatePatch;
}

const EC2_ID = (prefix: string) =>
  new RegExp(`^${prefix}-[0-9a-f]{8}([0-9a-f]{9})?$`);
/** The formats and limits of a template's EC2 settings (the api's request DTO checks the same). */
export const EC2_AMI_ID = EC2_ID('ami');
export const EC2_SUBNET_ID = EC2_ID('subnet');
export const EC2_SECURITY_GROUP_ID = EC2_ID('sg');
export const EC2_AMI_OWNER = /^(\d{12}|self|amazon|aws-marketplace)$/;
export const EC2_INSTANCE_PROFILE =
  /^([\w+=,.@-]{1,128}|arn:aws[\w-]*:iam::\d{12}:instance-profile\/[\w+=,.@/-]{1,128})$/;
export const EC2_LIMITS = {
  /** Ids are at most this long (ami-, subnet-, sg- and 8 or 17 hex digits). */
  idLength: 32,
  subnetIds: 16,
  securityGroupIds: 5,
  keyNameLength: 255,
  iamInstanceProfileLength: 2048,
  rootVolumeGb: { min: 8, max: 16_384 },
  /** EC2 takes at most 16 KiB of user data. */
  userDataLength: 16 * 1024,
} as const;
const INSTANCE_PROFILE = EC2_INSTANCE_PROFILE;
const MAX_USER_DATA = EC2_LIMITS.userDataLength;

/** The EC2 launch settings (PROVIDER=aws): ids in EC2's formats, AWS's limits. */
function validateEc2(value: unknown, field: string): WorkerTemplateEc2 {
  const body = requireObject(value, field);
  const known = [
    'amiId',
    'amiOwner',
    'subnetIds',
    'securityGroupIds',
    'keyName',
    'iamInstanceProfile',
    'rootVolumeGb',
    'userData',
  ];
  for (const key of Object.keys(body))
    if (!known.includes(key))
      throw new ValidationError(
        `${field}.${key}`,
        `is not an EC2 setting (${known.join(', ')})`,
      );
  const ids = (
    key: string,
    prefix: string,
    max: number,
  ): string[] | undefined =>
    body[key] == null
      ? undefined
      : requireArray(body[key], `${field}.${key}`, { min: 1, max }).map(
          (id, i) =>
            requireString(id, `${field}.${key}[${i}]`, {
              max: EC2_LIMITS.idLength,
              pattern: EC2_ID(prefix),
              patternHint: `must be an id such as ${prefix}-0123456789abcdef0`,
            }),
        );
  const amiId = optionalString(body['amiId'], `${field}.amiId`, {
    max: EC2_LIMITS.idLength,
    pattern: EC2_AMI_ID,
    patternHint: 'must be an image id such as ami-0123456789abcdef0',
  });
  const amiOwner = optionalString(body['amiOwner'], `${field}.amiOwner`, {
    max: 32,
    pattern: EC2_AMI_OWNER,
    patternHint: 'must be an account id, self, amazon or aws-marketplace',
  });
  const subnetIds = ids('subnetIds', 'subnet', EC2_LIMITS.subnetIds);
  const securityGroupIds = ids(
    'securityGroupIds',
    'sg',
    EC2_LIMITS.securityGroupIds,
  );
  const keyName = optionalString(body['keyName'], `${field}.keyName`, {
    max: EC2_LIMITS.keyNameLength,
  });
  const iamInstanceProfile = optionalString(
    body['iamInstanceProfile'],
    `${field}.iamInstanceProfile`,
    {
      max: EC2_LIMITS.iamInstanceProfileLength,
      pattern: INSTANCE_PROFILE,
      patternHint: 'must be an instance profile name or ARN',
    },
  );
  const rootVolumeGb = optionalInteger(
    body['rootVolumeGb'],
    `${field}.rootVolumeGb`,
    EC2_LIMITS.rootVolumeGb,
  );
  const userData = optionalString(body['userData'], `${field}.userData`, {
    min: 1,
    max: MAX_USER_DATA,
  });
  return {
    ...(amiId !== undefined && { amiId }),
    ...(amiOwner !== undefined && { amiOwner }),
    ...(subnetIds !== undefined && { subnetIds }),
    ...(securityGroupIds !== undefined && { securityGroupIds }),
    ...(keyName !== undefined && { keyName }),
    ...(iamInstanceProfile !== undefined && { iamInstanceProfile }),
    ...(rootVolumeGb !== undefined && { rootVolumeGb }),
    ...(userData !== undefined && { userData }),
  };
}

function validateCapacity(value: unknown, field: string): TemplateCapacity {
  const body = requireObject(value, field);
  return {
    cpuCores: requireInteger(body['cpuCores'], `${field}.cpuCores`, {
      min: 1,
      max: 4096,
    }),
    memoryGb: requireInteger(body['memoryGb'], `${field}.memoryGb`, {
      min: 1,
      max: 65_536,
    }),
    storageGb: requireInteger(body['storageGb'], `${field}.storageGb`, {
      min: 1,
      max: 1_048_576,
    }),
  };
}

function validateTemplatePortRange(value: unknown, field: string): PortRange {
  const body = requireObject(value, field);
  const start = requireInteger(body['start'], `${field}.start`, {
    min: TEMPLATE_MIN_PORT,
    max: TEMPLATE_MAX_PORT,
  });
  const end = requireInteger(body['end'], `${field}.end`, {
    min: TEMPLATE_MIN_PORT,
    max: TEMPLATE_MAX_PORT,
  });
  if (start >= end)
    throw new ValidationError(
      field,
      `start must be below end, got ${start}..${end}`,
    );
  return { start, end };
}

/** Cloud tags (AWS limits: 50 tags, key 128, value 256). `ManagedBy: lcm` is always set. */
function validateTags(value: unknown, field: string): Record<string, string> {
  if (value != null && !isPlainObject(value))
    throw new ValidationError(
      field,
      `must be a map of strings, got ${describeValue(value)}`,
    );
  const tags: Record<string, string> = {};
  for (const [key, tag] of Object.entries(value ?? {})) {
    if (key.length === 0 || key.length > 128)
      throw new ValidationError(
        `${field}.${key}`,
        'tag keys have 1 to 128 characters',
      );
    tags[key] = requireString(tag, `${field}.${key}`, { min: 0, max: 256 });
  }
  tags[MANAGED_BY_TAG.key] = MANAGED_BY_TAG.value;
  if (Object.keys(tags).length > MAX_TAGS)
    throw new ValidationError(field, `must have at most ${MAX_TAGS} tags`);
  return tags;
}
