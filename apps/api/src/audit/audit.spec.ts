import { createServer } from 'node:net';
import { ApiHarness, startTestApi } from '../../test/api-harness';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('GET /api/v1/audit/events (through the audit-sink)', () => {
  let h: ApiHarness | undefined;
  afterEach(() => h?.close());

  it('is 503 with the reason when AUDIT_SINK_URL is not set', async () => {
    h = await startTestApi();
    const reply = await h.call('GET', '/api/v1/audit/events', {
      token: await h.token('viewer'),
    });
    expect(reply.status).toBe(503);
    expect(reply.json.detail).toContain('AUDIT_SINK_URL');
  });

  it('is 503 naming the audit-sink when it does not answer', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    h = await startTestApi({ env: { AUDIT_SINK_URL: `${url}/` } });
    const reply = await h.call('GET', '/api/v1/audit/events?type=lcm.', {
      token: await h.token('admin'),
    });
    expect(reply.status).toBe(503);
    expect(reply.json.detail).toContain(
      `the audit-sink at ${url} does not answer`,
    );
  });

  it('refuses a user (the trail names every owner)', async () => {
    h = await startTestApi({ env: { AUDIT_SINK_URL: 'http://127.0.0.1:9' } });
    expect(
      (
        await h.call('GET', '/api/v1/audit/events', {
          token: await h.token('user'),
        })
      ).status,
    ).toBe(403);
  });
});
