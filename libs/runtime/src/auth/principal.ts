/** The roles of docs/api.md#roles: admin > manager > user > viewer; `service` for machine clients. */
export const ROLES = ['admin', 'manager', 'user', 'viewer', 'service'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the token's subject and the LCM roles it carries. */
export interface Principal {
  subject: string;
  roles: Role[];
}

export function hasAnyRole(
  principal: Principal,
  roles: readonly Role[],
): boolean {
  return roles.some((role) => principal.roles.includes(role));
}
