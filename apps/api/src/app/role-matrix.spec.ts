import { ROLES, Role } from '@lcm/runtime';
import { ApiHarness, startTestApi } from '../../test/api-harness';
import { ROUTES, RouteCase } from '../../test/routes';
import { PERMISSIONS } from '../http/permissions';

/** Status of one request; a stream is read up to its headers, then dropped. */
async function statusOf(
  h: ApiHarness,
  route: RouteCase,
  token: string | undefined,
): Promise<{ status: number; type: string | null }> {
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (route.body !== undefined) headers['content-type'] = 'application/json';
  const abort = new AbortController();
  const response = await fetch(`${h.url}${route.path}`, {
    method: route.method,
    headers,
    body: route.body === undefined ? undefined : JSON.stringify(route.body),
    signal: abort.signal,
  });
  const type = response.headers.get('content-type');
  if (route.stream && response.status === 200) abort.abort();
  else await response.text();
  return { status: response.status, type };
}

describe('role matrix (docs/api.md#roles): every route x every role, and no token', () => {
  let h: ApiHarness;
  const tokens = new Map<Role, string>();
  beforeAll(async () => {
    h = await startTestApi();
    for (const role of ROLES) tokens.set(role, await h.token(role));
  });
  afterAll(() => h.close());

  it('covers every route the OpenAPI document lists', async () => {
    const document = (await h.call('GET', '/api/docs-json')).json as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, operations]) =>
        Object.keys(operations).map(
          (method) => `${method.toUpperCase()} ${path}`,
        ),
      )
      .sort();
    const tested = [
      ...new Set(
        ROUTES.map(
          (r) =>
            `${r.method} ${r.path.replace(/[0-9a-f-]{36}/, '{id}').replace(/\/1\.0\.0$/, '/{version}')}`,
        ),
      ),
    ].sort();
    expect(tested).toEqual(documented);
  });

  const cases = ROUTES.flatMap((route) =>
    [...ROLES, 'no token' as const].map((who) => ({ route, who })),
  );

  it.each(
    cases.map(
      ({ route, who }) =>
        [
          `${route.method} ${route.path.replace(/[0-9a-f-]{36}/, '{id}')} as ${who}`,
          route,
          who,
        ] as const,
    ),
  )('%s', async (_name, route, who) => {
    const token = who === 'no token' ? undefined : tokens.get(who);
    const expected =
      who === 'no token'
        ? 401
        : (PERMISSIONS[route.permission] as readonly Role[]).includes(who)
          ? route.allowed
          : 403;
    const { status, type } = await statusOf(h, route, token);
    expect(status).toBe(expected);
    if (status >= 400) expect(type).toContain('application/problem+json');
  });
});
