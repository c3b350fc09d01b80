import type { Role } from '@lcm/runtime';

/**
 * docs/api.md#roles's matrix, in one place: each permission lists the roles that hold it (OR). Controllers
 * use `@Roles(...PERMISSIONS.x)`, the README shows the same table, and the role-matrix test checks
 * every route against it.
 *
 * - admin: everything;
 * - manager: definitions and all instances (reads workers and templates, no fleet administration);
 * - user: reads definitions, creates instances and manages (and streams the events of) only its own;
 * - viewer: reads everything;
 * - service: only `POST /api/v1/events` (assessment results).
 */
export const PERMISSIONS = {
  readDefinitions: ['admin', 'manager', 'user', 'viewer'],
  writeDefinitions: ['admin', 'manager'],
  readInstances: ['admin', 'manager', 'user', 'viewer'],
  writeInstances: ['admin', 'manager', 'user'],
  readFleet: ['admin', 'manager', 'viewer'],
  administerFleet: ['admin'],
  postEvents: ['admin', 'service'],
  // A `user` streams only its own instances' events (EventStreamService).
  streamEvents: ['admin', 'manager', 'user', 'viewer'],
  // The audit trail: who did what to every instance and worker (as the audit-sink's own route).
  readAudit: ['admin', 'manager', 'viewer'],
  readFeatures: ['admin', 'manager', 'user', 'viewer'],
  planCapacity: ['admin', 'manager'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** Roles that see and manage every owner's instances; anyone else with instance rights only their own. */
export const ALL_INSTANCES_READERS: readonly Role[] = [
  'admin',
  'manager',
  'viewer',
];
export const ALL_INSTANCES_WRITERS: readonly Role[] = ['admin', 'manager'];
