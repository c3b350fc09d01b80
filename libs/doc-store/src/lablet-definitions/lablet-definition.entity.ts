import type { PageRequest } from '../pagination/page';

/**
 * The stored LabletDefinition document (SPEC B-2.1 with A-4: lab YAML inline). These are document
 * shapes owned by doc-store; `libs/domain` has its own value types for the live records.
 */

export type LicenseType = 'PERSONAL' | 'ENTERPRISE' | 'EVALUATION';
export const LICENSE_TYPES: readonly LicenseType[] = ['PERSONAL', 'ENTERPRISE', 'EVALUATION'];

/** A PERSONAL licence runs at most 20 nodes. */
export const PERSONAL_MAX_NODES = 20;

export interface AmiRequirement {
  /** Glob such as `CML-2.9.*`. */
  namePattern?: string;
  /** Semver such as `2.9.0`. */
  minVersion?: string;
}

export interface ResourceRequirements {
  cpuCores: number;
  memoryGb: number;
  storageGb: number;
  nestedVirt: boolean;
  amiRequirements?: AmiRequirement[];
}

export type PortProtocol = 'tcp' | 'udp';

export interface PortDefinition {
  name: string;
  protocol: PortProtocol;
}

export interface PortTemplate {
  ports: PortDefinition[];
}

export interface OwnerNotification {
  emails?: string[];
  webhookUrl?: string;
}

export interface LabletDefinition {
  /** UUID of this version. */
  id: string;
  name: string;
  /** Semver `MAJOR.MINOR.PATCH[-prerelease]`; (name, version) is unique. */
  version: string;
  description?: string;
  /** The CML lab YAML, at most 1 MiB, with `${PORT_<NAME>}` placeholders. */
  labYaml: string;
  /** `sha256:<hex>` of labYaml, always computed by the repository. */
  labYamlHash: string;
  resourceRequirements: ResourceRequirements;
  licenseAffinity: LicenseType[];
  nodeCount: number;
  portTemplate: PortTemplate;
  gradingRulesUri?: string;
  maxDurationMinutes: number;
  warmPoolDepth?: number;
  ownerNotification?: OwnerNotification;
  createdBy: string;
  /** ISO-8601 UTC. */
  createdAt: string;
  deprecated: boolean;
  deprecatedAt?: string;
  deprecatedBy?: string;
}

/** What lists return: everything but the (large) lab YAML. */
export type LabletDefinitionSummary = Omit<LabletDefinition, 'labYaml'>;

/** Input of `create`: the repository adds id, labYamlHash, createdAt and the deprecation fields. */
export interface NewLabletDefinition {
  name: string;
  version: string;
  description?: string;
  labYaml: string;
  resourceRequirements: ResourceRequirements;
  licenseAffinity: LicenseType[];
  nodeCount: number;
  portTemplate: PortTemplate;
  gradingRulesUri?: string;
  maxDurationMinutes: number;
  warmPoolDepth?: number;
  ownerNotification?: OwnerNotification;
  createdBy: string;
}

/** Input of `registerVersion` (SPEC A-4): the version is optional, the next patch by default. */
export type RegisterDefinitionInput = Omit<NewLabletDefinition, 'version'> & { version?: string };

export interface RegisterDefinitionResult {
  /** The new version, or the existing latest when the YAML hash did not change. */
  definition: LabletDefinition;
  created: boolean;
  /** The latest version before this call (null for a new name): `old_version` of `…version.created`. */
  previousVersion: string | null;
}

export interface DeprecateResult {
  definition: LabletDefinition;
  /** False when it was already deprecated (nothing changed, no event to emit). */
  changed: boolean;
}

export interface DefinitionFilter {
  name?: string;
  version?: string;
  /** Definitions whose affinity includes this licence type. */
  licenseType?: LicenseType;
  deprecated?: boolean;
}

export type DefinitionListQuery = DefinitionFilter & PageRequest;
