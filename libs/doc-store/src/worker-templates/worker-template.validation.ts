import { ValidationError } from '../errors';
import { LICENSE_TYPES, PERSONAL_MAX_NODES } from '../lablet-definitions/lablet-definition.entity';
import { describeValue, isPlainObject, optionalString, requireInteger, requireObject, requireOneOf, requireString } from '../validation/fields';
import { MANAGED_BY_TAG, type NewWorkerTemplate, type PortRange, type WorkerCapacity, type WorkerTemplatePatch } from './worker-template.entity';

/** A normalised, complete template input: every default applied, `ManagedBy: lcm` in the tags. */
export type ValidWorkerTemplate = Required<Omit<NewWorkerTemplate, 'amiName'>> & { amiName?: string };

export const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const REGION = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const MIN_PORT = 1024;
export const MAX_PORT = 65535;
export const DEFAULT_DRAIN_TIMEOUT_HOURS = 4;
const MAX_TAGS = 50;

export function validateTemplateName(value: unknown, field = 'name'): string {
  return requireString(value, field, {
    max: 128,
    pattern: TEMPLATE_NAME,
    patternHint: 'must start with a letter or digit and contain only letters, digits and . _ -',
  });
}

/** The one place a template is checked, for create, update (the merged result) and seeding. */
export function validateNewTemplate(input: unknown, at = ''): ValidWorkerTemplate {
  const body = requireObject(input, at === '' ? 'template' : at);
  const path = (field: string): string => (at === '' ? field : `${at}.${field}`);
  const name = validateTemplateName(body['name'], path('name'));
  const description = optionalString(body['description'], path('description'), { min: 0, max: 4096 }) ?? '';
  const instanceType = requireString(body['instanceType'], path('instanceType'), { max: 64, pattern: TOKEN, patternHint: 'must be an instance type such as m5zn.metal' });
  const capacity = validateCapacity(body['capacity'], path('capacity'));
  const licenseType = requireOneOf(body['licenseType'], path('licenseType'), LICENSE_TYPES);
  const maxNodes = requireInteger(body['maxNodes'], path('maxNodes'), { min: 1, max: 10_000 });
  if (licenseType === 'PERSONAL' && maxNodes > PERSONAL_MAX_NODES) {
    throw new ValidationError(path('maxNodes'), `must be at most ${PERSONAL_MAX_NODES} for a PERSONAL licence, got ${maxNodes}`);
  }
  const amiPattern = requireString(body['amiPattern'], path('amiPattern'), { max: 128 });
  const amiName = optionalString(body['amiName'], path('amiName'), { max: 128 });
  if (amiName !== undefined && !globMatches(amiPattern, amiName)) {
    throw new ValidationError(path('amiName'), `${JSON.stringify(amiName)} does not match amiPattern ${JSON.stringify(amiPattern)}`);
  }
  const region = requireString(body['region'], path('region'), { max: 64, pattern: REGION, patternHint: 'must be a region name such as us-east-1' });
  const startupTimeMinutes = requireInteger(body['startupTimeMinutes'], path('startupTimeMinutes'), { min: 1, max: 24 * 60 });
  const portRange = validatePortRange(body['portRange'], path('portRange'));
  const drainTimeoutHours =
    body['drainTimeoutHours'] == null ? DEFAULT_DRAIN_TIMEOUT_HOURS : requireInteger(body['drainTimeoutHours'], path('drainTimeoutHours'), { min: 0, max: 24 * 30 });
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
    region,
    startupTimeMinutes,
    portRange,
    drainTimeoutHours,
    tags,
  };
}

/** A patch may not rename (workers refer to their template by name); the merged result is validated whole. */
export function validateTemplatePatch(patch: unknown, currentName: string): WorkerTemplatePatch {
  const body = requireObject(patch, 'patch');
  if (body['name'] !== undefined && body['name'] !== currentName) {
    throw new ValidationError('name', 'cannot be changed (workers refer to their template by name); create a new template instead');
  }
  // Identity and bookkeeping fields are the repository's; `undefined` means "not given".
  const { name: _name, id: _id, isSeeded: _isSeeded, createdAt: _createdAt, updatedAt: _updatedAt, ...fields } = body;
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as WorkerTemplatePatch;
}

function validateCapacity(value: unknown, field: string): WorkerCapacity {
  const body = requireObject(value, field);
  return {
    cpuCores: requireInteger(body['cpuCores'], `${field}.cpuCores`, { min: 1, max: 4096 }),
    memoryGb: requireInteger(body['memoryGb'], `${field}.memoryGb`, { min: 1, max: 65_536 }),
    storageGb: requireInteger(body['storageGb'], `${field}.storageGb`, { min: 1, max: 1_048_576 }),
  };
}

function validatePortRange(value: unknown, field: string): PortRange {
  const body = requireObject(value, field);
  const start = requireInteger(body['start'], `${field}.start`, { min: MIN_PORT, max: MAX_PORT });
  const end = requireInteger(body['end'], `${field}.end`, { min: MIN_PORT, max: MAX_PORT });
  if (start >= end) throw new ValidationError(field, `start must be below end, got ${start}..${end}`);
  return { start, end };
}

/** Cloud tags (AWS limits: 50 tags, key 128, value 256). `ManagedBy: lcm` is always set. */
function validateTags(value: unknown, field: string): Record<string, string> {
  if (value != null && !isPlainObject(value)) throw new ValidationError(field, `must be a map of strings, got ${describeValue(value)}`);
  const tags: Record<string, string> = {};
  for (const [key, tag] of Object.entries(value ?? {})) {
    if (key.length === 0 || key.length > 128) throw new ValidationError(`${field}.${key}`, 'tag keys have 1 to 128 characters');
    tags[key] = requireString(tag, `${field}.${key}`, { min: 0, max: 256 });
  }
  tags[MANAGED_BY_TAG.key] = MANAGED_BY_TAG.value;
  if (Object.keys(tags).length > MAX_TAGS) throw new ValidationError(field, `must have at most ${MAX_TAGS} tags`);
  return tags;
}

/** Whole-text glob: `*` any run of characters, `?` one character. */
export function globMatches(pattern: string, text: string): boolean {
  const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(text);
}
