import { ValidationError } from '../errors';
import type { AmiRequirement } from './ami-requirement';
import { isSemver } from './semantic-version';

export interface ResourceRequirements {
  cpuCores: number;
  memoryGb: number;
  storageGb: number;
  nestedVirt: boolean;
  amiRequirements?: AmiRequirement[];
}

function assertPositiveNumber(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(
      field,
      `must be a positive number, got ${JSON.stringify(value)}`,
    );
  }
}

/** Positive cpu, memory and storage; AMI requirements with a semver `minVersion` when given. */
export function validateResourceRequirements(
  requirements: ResourceRequirements,
  field = 'requirements',
): void {
  assertPositiveNumber(requirements.cpuCores, `${field}.cpuCores`);
  assertPositiveNumber(requirements.memoryGb, `${field}.memoryGb`);
  assertPositiveNumber(requirements.storageGb, `${field}.storageGb`);
  if (typeof requirements.nestedVirt !== 'boolean') {
    throw new ValidationError(`${field}.nestedVirt`, 'must be a boolean');
  }
  (requirements.amiRequirements ?? []).forEach((ami, i) => {
    const at = `${field}.amiRequirements[${i}]`;
    if (ami.namePattern === undefined && ami.minVersion === undefined) {
      throw new ValidationError(at, 'needs a namePattern or a minVersion');
    }
    if (
      ami.namePattern !== undefined &&
      (typeof ami.namePattern !== 'string' || ami.namePattern.length === 0)
    ) {
      throw new ValidationError(
        `${at}.namePattern`,
        'must be a non-empty glob',
      );
    }
    if (ami.minVersion !== undefined && !isSemver(ami.minVersion)) {
      throw new ValidationError(
        `${at}.minVersion`,
        `must be a semantic version, got ${JSON.stringify(ami.minVersion)}`,
      );
    }
  });
}
