import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from '@lcm/api-types';

export type Instance = components['schemas']['InstanceDto'];
export type Worker = components['schemas']['WorkerDto'];
export type WorkerCapacity = components['schemas']['WorkerCapacityDto'];
export type Definition = components['schemas']['DefinitionDto'];
export type AuditEvent = components['schemas']['AuditEventDto'];

const TOKEN_KEY = 'lcm.console.token';

/** The token lives in this tab's session storage only: never in a URL, gone when the tab closes. */
export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function storeToken(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** What the token says about its bearer (shown, not trusted: the api checks every request). */
export function tokenClaims(token: string): {
  subject: string;
  roles: string[];
} {
  try {
    const payload = JSON.parse(
      atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')),
    ) as { sub?: string; roles?: unknown; realm_access?: { roles?: unknown } };
    const roles = Array.isArray(payload.roles)
      ? payload.roles
      : Array.isArray(payload.realm_access?.roles)
        ? payload.realm_access.roles
        : [];
    return { subject: payload.sub ?? '?', roles: roles.map(String) };
  } catch {
    return { subject: '?', roles: [] };
  }
}

/** The api is the page's own origin (the console is served at /console). */
export const API_BASE = location.origin;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function client(token: string): Client<paths> {
  return createClient<paths>({
    baseUrl: API_BASE,
    headers: { authorization: `Bearer ${token}` },
  });
}

/** The data of an answer, or an ApiError with the problem's title and detail. */
export async function data<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data: body, error, response } = await call;
  if (response.ok && body !== undefined) return body;
  const problem = (error ?? {}) as { title?: string; detail?: string };
  throw new ApiError(
    response.status,
    `${problem.title ?? `HTTP ${response.status}`}${problem.detail ? `: ${problem.detail}` : ''}`,
  );
}

/** Every page of a list. */
export async function all<T>(
  page: (
    cursor: string | undefined,
  ) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const result = await page(cursor);
    items.push(...result.items);
    cursor = result.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}
