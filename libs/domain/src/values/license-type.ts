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
