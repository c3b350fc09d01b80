import type { LabletDefinition, LicenseType } from '@lcm/domain';
import type { PageRequest } from '../pagination/page';

// The LabletDefinition itself (types, rules, versions, lab YAML) is the domain's (`@lcm/domain`);
// these are the store's results, filters and queries.

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
