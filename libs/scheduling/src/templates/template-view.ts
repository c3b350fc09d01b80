import type { LicenseType, PortRange } from '@lcm/domain';

/**
 * What template selection needs of a worker template. The domain's `WorkerTemplate` has all
 * of these fields (callers may pass it as is, or map to this shape).
 */
export interface TemplateView {
  name: string;
  licenseType: LicenseType;
  capacity: { cpuCores: number; memoryGb: number; storageGb: number };
  /** The licence's node limit. */
  maxNodes: number;
  /** Glob the provider uses to find the image, e.g. `CML-2.9.*`. */
  amiPattern: string;
  /** The concrete image, when the template pins one; checked instead of the pattern. */
  amiName?: string;
  region: string;
  portRange: PortRange;
  startupTimeMinutes: number;
}
