// Every /api/v1 route with the permission that guards it (src/http/permissions.ts). Requests are
// built so that an allowed caller gets a known answer without changing anything: unknown ids,
// empty bodies (400 from validation, which runs after the role check).
import type { Permission } from '../src/http/permissions';

export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

export interface RouteCase {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  permission: Permission;
  /** The answer an allowed caller gets for this request. */
  allowed: number;
  body?: unknown;
  /** Streaming response: read the status, then hang up. */
  stream?: boolean;
}

const id = UNKNOWN_ID;

export const ROUTES: RouteCase[] = [
  {
    method: 'POST',
    path: '/api/v1/definitions',
    permission: 'writeDefinitions',
    allowed: 400,
    body: {},
  },
  {
    method: 'GET',
    path: '/api/v1/definitions',
    permission: 'readDefinitions',
    allowed: 200,
  },
  {
    method: 'GET',
    path: `/api/v1/definitions/${id}`,
    permission: 'readDefinitions',
    allowed: 404,
  },
  {
    method: 'GET',
    path: `/api/v1/definitions/${id}/versions`,
    permission: 'readDefinitions',
    allowed: 404,
  },
  {
    method: 'GET',
    path: `/api/v1/definitions/${id}/versions/1.0.0`,
    permission: 'readDefinitions',
    allowed: 404,
  },
  {
    method: 'DELETE',
    path: `/api/v1/definitions/${id}`,
    permission: 'writeDefinitions',
    allowed: 404,
  },

  {
    method: 'POST',
    path: '/api/v1/instances',
    permission: 'writeInstances',
    allowed: 400,
    body: {},
  },
  {
    method: 'GET',
    path: '/api/v1/instances',
    permission: 'readInstances',
    allowed: 200,
  },
  {
    method: 'GET',
    path: `/api/v1/instances/${id}`,
    permission: 'readInstances',
    allowed: 404,
  },
  {
    method: 'POST',
    path: `/api/v1/instances/${id}/start`,
    permission: 'writeInstances',
    allowed: 404,
  },
  {
    method: 'POST',
    path: `/api/v1/instances/${id}/stop`,
    permission: 'writeInstances',
    allowed: 404,
  },
  {
    method: 'POST',
    path: `/api/v1/instances/${id}/collect`,
    permission: 'writeInstances',
    allowed: 404,
  },
  {
    method: 'DELETE',
    path: `/api/v1/instances/${id}`,
    permission: 'writeInstances',
    allowed: 404,
  },

  {
    method: 'GET',
    path: '/api/v1/workers',
    permission: 'readFleet',
    allowed: 200,
  },
  {
    method: 'POST',
    path: '/api/v1/workers',
    permission: 'administerFleet',
    allowed: 400,
    body: {},
  },
  {
    method: 'GET',
    path: `/api/v1/workers/${id}`,
    permission: 'readFleet',
    allowed: 404,
  },
  {
    method: 'GET',
    path: `/api/v1/workers/${id}/capacity`,
    permission: 'readFleet',
    allowed: 404,
  },
  {
    method: 'GET',
    path: `/api/v1/workers/${id}/instances`,
    permission: 'readFleet',
    allowed: 404,
  },
  {
    method: 'GET',
    path: `/api/v1/workers/${id}/ports`,
    permission: 'readFleet',
    allowed: 404,
  },
  {
    method: 'POST',
    path: `/api/v1/workers/${id}/drain`,
    permission: 'administerFleet',
    allowed: 404,
  },
  {
    method: 'POST',
    path: `/api/v1/workers/${id}/cancel-drain`,
    permission: 'administerFleet',
    allowed: 404,
  },
  {
    method: 'POST',
    path: `/api/v1/workers/${id}/stop`,
    permission: 'administerFleet',
    allowed: 404,
  },
  {
    method: 'POST',
    path: `/api/v1/workers/${id}/start`,
    permission: 'administerFleet',
    allowed: 404,
  },
  {
    method: 'POST',
    path: `/api/v1/workers/${id}/terminate`,
    permission: 'administerFleet',
    allowed: 404,
  },
  {
    method: 'POST',
    path: `/api/v1/workers/${id}/cordon`,
    permission: 'administerFleet',
    allowed: 404,
  },
  {
    method: 'POST',
    path: `/api/v1/workers/${id}/uncordon`,
    permission: 'administerFleet',
    allowed: 404,
  },

  {
    method: 'GET',
    path: '/api/v1/capacity/forecast',
    permission: 'planCapacity',
    allowed: 200,
  },
  {
    method: 'GET',
    path: '/api/v1/templates',
    permission: 'readFleet',
    allowed: 200,
  },
  {
    method: 'GET',
    path: `/api/v1/templates/${id}`,
    permission: 'readFleet',
    allowed: 404,
  },
  {
    method: 'POST',
    path: '/api/v1/templates',
    permission: 'administerFleet',
    allowed: 400,
    body: {},
  },
  {
    method: 'PUT',
    path: `/api/v1/templates/${id}`,
    permission: 'administerFleet',
    allowed: 404,
    body: {},
  },
  {
    method: 'DELETE',
    path: `/api/v1/templates/${id}`,
    permission: 'administerFleet',
    allowed: 404,
  },

  {
    method: 'POST',
    path: '/api/v1/events',
    permission: 'postEvents',
    allowed: 400,
    body: {},
  },
  {
    method: 'GET',
    path: '/api/v1/events/stream',
    permission: 'streamEvents',
    allowed: 200,
    stream: true,
  },
  {
    method: 'GET',
    path: '/api/v1/features',
    permission: 'readFeatures',
    allowed: 200,
  },
  // No AUDIT_SINK_URL in these tests: an allowed caller is told audit search is not configured.
  {
    method: 'GET',
    path: '/api/v1/audit/events',
    permission: 'readAudit',
    allowed: 503,
  },
];
