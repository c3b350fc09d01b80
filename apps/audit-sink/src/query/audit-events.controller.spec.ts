import { CloudEvent, MemoryDocStore } from '@lcm/doc-store';
import { AuthConfig, issueToken, Role, startService } from '@lcm/runtime';
import { MemoryStateStore } from '@lcm/state-store';
import { loadAuditSinkConfig } from '../config';
import { AuditSinkModule } from '../app/audit-sink.module';

const SECRET = 'audit-sink-query-spec-secret-0123456789';
const auth: AuthConfig = {
  algorithm: 'HS256',
  secret: SECRET,
  rolesClaim: 'roles',
};

function event(
  id: string,
  minute: number,
  type: string,
  subject: string,
  source = 'lcm/controller',
): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source,
    type,
    subject,
    time: `2030-01-01T10:${String(minute).padStart(2, '0')}:00.000Z`,
    datacontenttype: 'application/json',
    data: { subject },
  };
}

// Minutes 0..7, so newest first is h > g > ... > a.
const EVENTS = [
  event('a', 0, 'lcm.lablet.instance.pending', 'i-1', 'lcm/api'),
  event('b', 1, 'lcm.lablet.instance.scheduled', 'i-1', 'lcm/scheduler'),
  event('c', 2, 'lcm.worker.pending', 'w-1'),
  event('d', 3, 'lcm.lablet.instance.running', 'i-1'),
  event('e', 4, 'lcm.lablet.instance.pending', 'i-2', 'lcm/api'),
  event('f', 5, 'lcm.worker.running', 'w-1'),
  event('g', 6, 'lcm.lablet.instance.scheduled', 'i-2', 'lcm/scheduler'),
  event('h', 7, 'lcm.lablet.instance.stopping', 'i-1'),
];

interface Page {
  items: CloudEvent[];
  nextCursor: string | null;
}

describe('GET /api/v1/audit/events', () => {
  let url: string;
  let close: () => Promise<void>;
  let token: (role: Role) => Promise<string>;

  beforeAll(async () => {
    const state = new MemoryStateStore();
    const docs = await MemoryDocStore.open();
    await docs.auditEvents.insertMany(EVENTS);
    const config = loadAuditSinkConfig(
      {},
      {
        platform: {
          state: { driver: 'shared', prefix: '/lcm', store: state },
          docs: { driver: 'shared', store: docs },
        },
        auth,
      },
    );
    const started = await startService(AuditSinkModule.forRoot(config), {
      service: 'audit-sink',
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    url = started.url;
    close = async () => {
      await started.app.close();
      await state.close();
      await docs.close();
    };
    token = (role) =>
      issueToken(SECRET, { subject: `${role}-1`, roles: [role] });
  });
  afterAll(() => close());

  const get = async (query: string, role: Role | null = 'viewer') =>
    fetch(`${url}/api/v1/audit/events${query}`, {
      headers: role ? { authorization: `Bearer ${await token(role)}` } : {},
    });
  const ids = async (query: string) => {
    const res = await get(query);
    expect(res.status).toBe(200);
    return ((await res.json()) as Page).items.map((e) => e.id);
  };

  it('needs a bearer token (401) and one of admin, manager, viewer (a user gets 403)', async () => {
    const anonymous = await get('', null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain(
      'application/problem+json',
    );
    const forged = await fetch(`${url}/api/v1/audit/events`, {
      headers: {
        authorization: `Bearer ${await issueToken('some-other-secret-that-is-long-enough!', { subject: 'x', roles: ['admin'] })}`,
      },
    });
    expect(forged.status).toBe(401);
    const user = await get('', 'user');
    expect(user.status).toBe(403);
    expect(await user.json()).toMatchObject({
      type: 'urn:lcm:problem:forbidden',
    });
    for (const role of ['admin', 'manager', 'viewer'] as const)
      expect((await get('', role)).status).toBe(200);
  });

  it('answers { items, nextCursor } newest first, the whole CloudEvent as stored', async () => {
    const res = await get('');
    expect(res.headers.get('content-type')).toContain('application/json');
    const page = (await res.json()) as Page;
    expect(page.items.map((e) => e.id)).toEqual([
      'h',
      'g',
      'f',
      'e',
      'd',
      'c',
      'b',
      'a',
    ]);
    expect(page.nextCursor).toBeNull();
    expect(page.items[7]).toEqual(EVENTS[0]);
  });

  it('pages with limit and cursor, in order, without skipping or repeating', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(
        `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const page = (await res.json()) as Page;
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['h', 'g', 'f', 'e', 'd', 'c', 'b', 'a']);
  });

  it('filters by type (exact, or a prefix ending in "." or "*"), subject, source and time range', async () => {
    expect(await ids('?type=lcm.lablet.instance.pending')).toEqual(['e', 'a']);
    expect(await ids('?type=lcm.lablet.instance.')).toEqual([
      'h',
      'g',
      'e',
      'd',
      'b',
      'a',
    ]);
    expect(await ids('?type=lcm.worker.*')).toEqual(['f', 'c']);
    expect(await ids('?type=lcm.lablet.instance')).toEqual([]);
    expect(await ids('?subject=i-2')).toEqual(['g', 'e']);
    expect(await ids('?source=lcm%2Fscheduler')).toEqual(['g', 'b']);
    expect(
      await ids('?from=2030-01-01T10:02:00Z&to=2030-01-01T10:05:00Z'),
    ).toEqual(['e', 'd', 'c']);
    expect(await ids('?from=2030-01-01T11:02:00%2B01:00')).toEqual([
      'h',
      'g',
      'f',
      'e',
      'd',
      'c',
    ]);
    expect(
      await ids(
        '?type=lcm.lablet.instance.&subject=i-1&from=2030-01-01T10:01:00Z&limit=2',
      ),
    ).toEqual(['h', 'd']);
  });

  it.each([
    ['?limit=0', 'limit'],
    ['?limit=501', 'limit'],
    ['?limit=ten', 'limit'],
    ['?from=yesterday', 'from'],
    ['?to=2030-01-01T10:00:00', 'to'],
    ['?type=', 'type'],
    ['?type=a&type=b', 'type'],
    ['?cursor=not-a-cursor', 'cursor'],
    ['?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z', 'to'],
    ['?sort=asc', 'sort'],
  ])('refuses %s with a 400 problem naming %s', async (query, field) => {
    const res = await get(query);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain(
      'application/problem+json',
    );
    const problem = (await res.json()) as {
      type: string;
      errors: { field: string }[];
    };
    expect(problem.type).toBe('urn:lcm:problem:validation-error');
    expect(problem.errors.map((e) => e.field)).toContain(field);
  });
});
