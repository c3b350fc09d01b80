export type LicenseType = 'PERSONAL' | 'ENTERPRISE' | 'EVALUATION';

export const LICENSE_TYPES: readonly LicenseType[] = [
  'PERSONAL',
  'ENTERPRISE',
  'EVALUATION',
];

/** A PERSONAL licence runs at most 20 nodes (ENTERPRISE and EVALUATION give no limit). */
export const PERSONAL_LICENSE_MAX_NODES = 20;

export function isLicenseType(value: unknown): value is LicenseType {
  return (
    typeof value === 'string' &&
    (LICENSE_TYPES as readonly string[]).includes(value)
  );
}

/**
 * What a worker's lab engine says about its licence (the CMLWorker's `license_status`):
 * REGISTERED and in compliance, EVALUATION (an evaluation period still running), UNREGISTERED,
 * EXPIRED (registration, authorisation or evaluation ran out) or INVALID (out of compliance, e.g.
 * more nodes in use than licensed).
 */
export type LicenseStatus =
  | 'REGISTERED'
  | 'EVALUATION'
  | 'UNREGISTERED'
  | 'EXPIRED'
  | 'INVALID';

export const LICENSE_STATUSES: readonly LicenseStatus[] = [
  'REGISTERED',
  'EVALUATION',
  'UNREGISTERED',
  'EXPIRED',
  'INVALID',
];

/** The statuses under which an engine starts labs; under the others it refuses to start nodes. */
export const LICENSE_STATUSES_RUNNING_LABS: readonly LicenseStatus[] = [
  'REGISTERED',
  'EVALUATION',
];

export function isLicenseStatus(value: unknown): value is LicenseStatus {
  return (
    typeof value === 'string' &&
    (LICENSE_STATUSES as readonly string[]).includes(value)
  );
}
