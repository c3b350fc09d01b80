import type { LabletDefinitionSummary } from '../definition/lablet-definition';
import { ValidationError } from '../errors';
import {
  isLicenseType,
  PERSONAL_LICENSE_MAX_NODES,
  type LicenseType,
} from '../values/license-type';
import {
  validatePortTemplate,
  type PortDefinition,
} from '../values/port-template';
import {
  validateResourceRequirements,
  type ResourceRequirements,
} from '../values/resource-requirements';
import { optionalInteger } from '../values/field-checks';
import type { WorkerCapacity } from '../values/worker-capacity';
import {
  MAX_INSTANTIATION_ALLOWANCE_MINUTES,
  MIN_INSTANTIATION_ALLOWANCE_MINUTES,
} from './instance-timing';

/**
 * The placement-relevant part of the pinned definition version, copied into the instance at
 * creation so the scheduler and controller never read the definition document.
 */
export interface InstanceSpec {
  requirements: ResourceRequirements;
  licenseAffinity: LicenseType[];
  nodeCount: number;
  ports: PortDefinition[];
  labYamlHash: string;
  maxDurationMinutes: number;
  /** The definition's declared instantiation allowance (`instantiationAllowanceOf`); absent: the deployment's. */
  instantiationAllowanceMinutes?: number;
}

/** The placement-relevant part of a definition version, copied into the instance (the scheduler never reads documents). */
export function instanceSpecOf(
  definition: Pick<
    LabletDefinitionSummary,
    | 'resourceRequirements'
    | 'licenseAffinity'
    | 'nodeCount'
    | 'portTemplate'
    | 'labYamlHash'
    | 'maxDurationMinutes'
    | 'instantiationAllowanceMinutes'
  >,
): InstanceSpec {
  return {
    requirements: definition.resourceRequirements,
    licenseAffinity: definition.licenseAffinity,
    nodeCount: definition.nodeCount,
    ports: definition.portTemplate.ports,
    labYamlHash: definition.labYamlHash,
    maxDurationMinutes: definition.maxDurationMinutes,
    ...(definition.instantiationAllowanceMinutes !== undefined && {
      instantiationAllowanceMinutes: definition.instantiationAllowanceMinutes,
    }),
  };
}

const LAB_YAML_HASH = /^sha256:[0-9a-f]{64}$/i;

/**
 * docs/api.md#admission definition rules: positive resources and duration, a non-empty affinity of known
 * licence types, nodeCount >= 1 (<= 20 when only PERSONAL is accepted), unique port names and a
 * `sha256:<hex>` YAML hash.
 */
export function validateInstanceSpec(spec: InstanceSpec, field = 'spec'): void {
  validateResourceRequirements(spec.requirements, `${field}.requirements`);
  if (
    !Array.isArray(spec.licenseAffinity) ||
    spec.licenseAffinity.length === 0
  ) {
    throw new ValidationError(
      `${field}.licenseAffinity`,
      'must list at least one licence type',
    );
  }
  spec.licenseAffinity.forEach((type, i) => {
    if (!isLicenseType(type)) {
      throw new ValidationError(
        `${field}.licenseAffinity[${i}]`,
        `unknown licence type ${JSON.stringify(type)}`,
      );
    }
  });
  if (!Number.isInteger(spec.nodeCount) || spec.nodeCount < 1) {
    throw new ValidationError(`${field}.nodeCount`, 'must be an integer >= 1');
  }
  const personalOnly = spec.licenseAffinity.every((t) => t === 'PERSONAL');
  if (personalOnly && spec.nodeCount > PERSONAL_LICENSE_MAX_NODES) {
    throw new ValidationError(
      `${field}.nodeCount`,
      `a PERSONAL-only definition runs at most ${PERSONAL_LICENSE_MAX_NODES} nodes, got ${spec.nodeCount}`,
    );
  }
  validatePortTemplate(spec.ports, `${field}.ports`);
  if (
    typeof spec.labYamlHash !== 'string' ||
    !LAB_YAML_HASH.test(spec.labYamlHash)
  ) {
    throw new ValidationError(
      `${field}.labYamlHash`,
      'must be sha256:<64 hex digits>',
    );
  }
  if (
    !Number.isInteger(spec.maxDurationMinutes) ||
    spec.maxDurationMinutes <= 0
  ) {
    throw new ValidationError(
      `${field}.maxDurationMinutes`,
      'must be a positive integer',
    );
  }
  optionalInteger(
    spec.instantiationAllowanceMinutes,
    `${field}.instantiationAllowanceMinutes`,
    {
      min: MIN_INSTANTIATION_ALLOWANCE_MINUTES,
      max: MAX_INSTANTIATION_ALLOWANCE_MINUTES,
    },
  );
}

/** What the instance takes from a worker: its cpu, memory and storage, and its node count. */
export function capacityRequestOf(spec: InstanceSpec): WorkerCapacity {
  return {
    cpuCores: spec.requirements.cpuCores,
    memoryGb: spec.requirements.memoryGb,
    storageGb: spec.requirements.storageGb,
    maxNodes: spec.nodeCount,
  };
}
