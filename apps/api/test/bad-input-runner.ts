// Runs one bad-input case and checks the answer: the status, a problem+json body with a stable
// type, the offending field when the case names one.
import { ApiHarness, call, Reply } from './api-harness';
import { BadInputCase, Caller } from './bad-input-cases';

export async function runBadInputCase(
  h: ApiHarness,
  c: BadInputCase,
  credentials: Record<Caller, string | undefined>,
): Promise<Reply> {
  const headers: Record<string, string> = { ...(c.headers ?? {}) };
  const authorization = credentials[c.as];
  if (authorization) headers['authorization'] = authorization;
  const reply = await call(
    h.url,
    c.method,
    c.path,
    c.raw !== undefined ? { raw: c.raw, headers } : { body: c.body, headers },
  );
  return reply;
}

export function expectProblem(c: BadInputCase, reply: Reply): void {
  const context = `${c.name}: ${reply.status} ${reply.text.slice(0, 300)}`;
  expect({ context, status: reply.status }).toEqual({
    context,
    status: c.status,
  });
  expect(reply.headers.get('content-type')).toContain(
    'application/problem+json',
  );
  expect(reply.json).toMatchObject({
    status: c.status,
    type: expect.stringMatching(/^urn:lcm:problem:[a-z-]+$/),
    title: expect.any(String),
  });
  if (c.type)
    expect({ context, type: reply.json.type }).toEqual({
      context,
      type: `urn:lcm:problem:${c.type}`,
    });
  if (c.field) {
    const fields = ((reply.json.errors ?? []) as { field: string }[]).map(
      (e) => e.field,
    );
    const named = fields.some(
      (f) =>
        f === c.field ||
        f.startsWith(`${c.field}.`) ||
        f.startsWith(`${c.field}[`),
    );
    expect({ context, fields, named }).toEqual({
      context,
      fields,
      named: true,
    });
  }
}
