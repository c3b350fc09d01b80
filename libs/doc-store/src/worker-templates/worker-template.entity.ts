import type { LicenseType } from '@lcm/domain';
import type { PageRequest } from '../pagination/page';

// The WorkerTemplate itself (types and rules) is the domain's (`@lcm/domain`); these are the store's query and seeding shapes.

export interface WorkerTemplateFilter {
  licenseType?: LicenseType;
  region?: string;
}

export type WorkerTemplateListQuery = WorkerTemplateFilter & PageRequest;

export interface SeedResult {
  /** Names created by this call. */
  created: string[];
  /** Names that already existed (never overwritten). */
  skipped: string[];
}
