import { ValidationError } from '../errors';
import { validateLabYaml } from '../lab/lab-yaml-placeholders';
import {
  optionalInteger,
  optionalString,
  requireArray,
  requireBoolean,
  requireHttpUrl,
  requireInteger,
  requireObject,
  requireOneOf,
  requireString,
  requireUri,
} from '../values/field-checks';
import {
  MAX_INSTANTIATION_ALLOWANCE_MINUTES,
  MIN_INSTANTIATION_ALLOWANCE_MINUTES,
} from '../instance/instance-timing';
import type { AmiRequirement } from '../values/ami-requirement';
import {
  LICENSE_TYPES,
  PERSONAL_LICENSE_MAX_NODES,
  type LicenseType,
} from '../values/license-type';
import {
  PORT_NAME,
  portPlaceholderKey,
  type PortDefinition,
} from '../values/port-template';
import type { ResourceRequirements } from '../values/resource-requirements';
import { requireVersion } from '../values/semantic-version';
import type {
  NewLabletDefinition,
  OwnerNotification,
  RegisterDefinitionInput,
} from './lablet-definition';

/**
 * The one place a definition's rules are checked (the api's DTO checks only the request's shape; the
 * store calls these before any driver is called). Returns a normalised copy
 * holding only known fields (a caller-supplied `labYamlHash`, `id` or `createdAt` is dropped: the
 * repository sets those).
 */

/** Names are shown to people and used in URLs: letters, digits, space and `._:-`, no markup. */
export const DEFINITION_NAME =
  /^[A-Za-z0-9](?:[A-Za-z0-9 ._:-]*[A-Za-z0-9._-])?$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const MAX_PORTS = 256;

export function validateDefinitionName(value: unknown, field = 'name'): string {
  return requireString(value, field, {
    max: 128,
    pattern: DEFINITION_NAME,
    patternHint:
      'must start and end with a letter or digit and contain only letters, digits, spaces and . _ : -',
  });
}

export function validateNewDefinition(input: unknown): NewLabletDefinition {
  const body = requireObject(input, 'definition');
  const version = requireVersion(body['version']);
  return { ...validateDefinitionBody(body), version };
}

export function validateRegisterDefinitionInput(
  input: unknown,
): RegisterDefinitionInput {
  const body = requireObject(input, 'definition');
  const version =
    body['version'] === undefined || body['version'] === null
      ? undefined
      : requireVersion(body['version']);
  const definition: RegisterDefinitionInput = validateDefinitionBody(body);
  if (version !== undefined) definition.version = version;
  return definition;
}

function validateDefinitionBody(
  body: Record<string, unknown>,
): Omit<NewLabletDefinition, 'version'> {
  const name = validateDefinitionName(body['name']);
  const description = optionalString(body['description'], 'description', {
    min: 0,
    max: 4096,
  });
  const resourceRequirements = readResourceRequirements(
    body['resourceRequirements'],
  );
  const licenseAffinity = validateLicenseAffinity(body['licenseAffinity']);
  const nodeCount = requireInteger(body['nodeCount'], 'nodeCount', {
    min: 1,
    max: 10_000,
  });
  if (
    nodeCount > PERSONAL_LICENSE_MAX_NODES &&
    licenseAffinity.every((t) => t === 'PERSONAL')
  ) {
    throw new ValidationError(
      'nodeCount',
      `must be at most ${PERSONAL_LICENSE_MAX_NODES} when the only licence type is PERSONAL, got ${nodeCount}`,
    );
  }
  const ports = validatePorts(body['portTemplate']);
  // The 1 MiB limit is in UTF-8 bytes: validateLabYaml checks it.
  const labYaml = requireString(body['labYaml'], 'labYaml', {
    max: Number.MAX_SAFE_INTEGER,
  });
  if (labYaml.trim().length === 0)
    throw new ValidationError('labYaml', 'must not be empty');
  validateLabYaml(labYaml, ports);
  const gradingRulesUri =
    body['gradingRulesUri'] == null
      ? undefined
      : requireUri(body['gradingRulesUri'], 'gradingRulesUri');
  const maxDurationMinutes = requireInteger(
    body['maxDurationMinutes'],
    'maxDurationMinutes',
    { min: 1, max: 60 * 24 * 366 },
  );
  const instantiationAllowanceMinutes = optionalInteger(
    body['instantiationAllowanceMinutes'],
    'instantiationAllowanceMinutes',
    {
      min: MIN_INSTANTIATION_ALLOWANCE_MINUTES,
      max: MAX_INSTANTIATION_ALLOWANCE_MINUTES,
    },
  );
  const warmPoolDepth = optionalInteger(
    body['warmPoolDepth'],
    'warmPoolDepth',
    { min: 0, max: 1000 },
  );
  const ownerNotification =
    body['ownerNotification'] == null
      ? undefined
      : validateOwnerNotification(body['ownerNotification']);
  const createdBy = requireString(body['createdBy'], 'createdBy', { max: 256 });

  return {
    name,
    ...(description !== undefined && { description }),
    labYaml,
    resourceRequirements,
    licenseAffinity,
    nodeCount,
    portTemplate: { ports },
    ...(gradingRulesUri !== undefined && { gradingRulesUri }),
    maxDurationMinutes,
    ...(instantiationAllowanceMinutes !== undefined && {
      instantiationAllowanceMinutes,
    }),
    ...(warmPoolDepth !== undefined && { warmPoolDepth }),
    ...(ownerNotification !== undefined && { ownerNotification }),
    createdBy,
  };
}

function readResourceRequirements(value: unknown): ResourceRequirements {
  const field = 'resourceRequirements';
  const body = requireObject(value, field);
  const requirements: ResourceRequirements = {
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
    nestedVirt: requireBoolean(body['nestedVirt'], `${field}.nestedVirt`),
  };
  if (body['amiRequirements'] != null) {
    requirements.amiRequirements = requireArray(
      body['amiRequirements'],
      `${field}.amiRequirements`,
      { max: 16 },
    ).map((item, i) =>
      validateAmiRequirement(item, `${field}.amiRequirements[${i}]`),
    );
  }
  return requirements;
}

function validateAmiRequirement(value: unknown, field: string): AmiRequirement {
  const body = requireObject(value, field);
  const namePattern = optionalString(
    body['namePattern'],
    `${field}.namePattern`,
    { max: 128 },
  );
  const minVersion =
    body['minVersion'] == null
      ? undefined
      : requireVersion(body['minVersion'], `${field}.minVersion`);
  if (namePattern === undefined && minVersion === undefined)
    throw new ValidationError(field, 'needs a namePattern or a minVersion');
  return {
    ...(namePattern !== undefined && { namePattern }),
    ...(minVersion !== undefined && { minVersion }),
  };
}

function validateLicenseAffinity(value: unknown): LicenseType[] {
  const items = requireArray(value, 'licenseAffinity', {
    min: 1,
    max: LICENSE_TYPES.length,
  });
  const types = items.map((item, i) =>
    requireOneOf(item, `licenseAffinity[${i}]`, LICENSE_TYPES),
  );
  types.forEach((type, i) => {
    if (types.indexOf(type) !== i)
      throw new ValidationError(
        `licenseAffinity[${i}]`,
        `${type} is listed twice`,
      );
  });
  return types;
}

/** Port names are identifiers, unique even after upper-casing (two names may not share a placeholder). */
function validatePorts(value: unknown): PortDefinition[] {
  const template = requireObject(value, 'portTemplate');
  const items = requireArray(template['ports'], 'portTemplate.ports', {
    max: MAX_PORTS,
  });
  const seen = new Map<string, string>();
  return items.map((item, i) => {
    const field = `portTemplate.ports[${i}]`;
    const port = requireObject(item, field);
    const name = requireString(port['name'], `${field}.name`, {
      max: 63,
      pattern: PORT_NAME,
      patternHint:
        "must start with a letter and contain only letters, digits, '_' or '-'",
    });
    const protocol = requireOneOf(port['protocol'], `${field}.protocol`, [
      'tcp',
      'udp',
    ] as const);
    const key = portPlaceholderKey(name);
    const clash = seen.get(key);
    if (clash !== undefined)
      throw new ValidationError(
        `${field}.name`,
        `'${name}' clashes with '${clash}' (both \${PORT_${key}})`,
      );
    seen.set(key, name);
    return { name, protocol };
  });
}

function validateOwnerNotification(value: unknown): OwnerNotification {
  const field = 'ownerNotification';
  const body = requireObject(value, field);
  const notification: OwnerNotification = {};
  if (body['emails'] != null) {
    notification.emails = requireArray(body['emails'], `${field}.emails`, {
      max: 50,
    }).map((email, i) =>
      requireString(email, `${field}.emails[${i}]`, {
        max: 254,
        pattern: EMAIL,
        patternHint: 'must be an e-mail address',
      }),
    );
  }
  if (body['webhookUrl'] != null)
    notification.webhookUrl = requireHttpUrl(
      body['webhookUrl'],
      `${field}.webhookUrl`,
    );
  return notification;
}
