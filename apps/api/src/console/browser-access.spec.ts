import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadApiConfig } from '../config';
import { ApiHarness, startTestApi } from '../../test/api-harness';

describe('browser access: CORS and the console at /console', () => {
  let dir: string;
  let h: ApiHarness;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lcm-console-'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><title>LCM console</title>',
    );
    writeFileSync(join(dir, 'app.js'), 'console.log(1)');
    h = await startTestApi({
      env: {
        CORS_ORIGINS: 'https://ops.example.com, http://localhost:5173',
        CONSOLE_DIR: dir,
      },
    });
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a preflight from a configured origin with the headers the console sends (Authorization, Last-Event-ID)', async () => {
    const reply = await fetch(`${h.url}/api/v1/events/stream`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://ops.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,last-event-id',
      },
    });
    expect(reply.status).toBe(204);
    expect(reply.headers.get('access-control-allow-origin')).toBe(
      'https://ops.example.com',
    );
    expect(reply.headers.get('access-control-allow-headers')).toContain(
      'authorization',
    );
    expect(reply.headers.get('access-control-allow-headers')).toContain(
      'last-event-id',
    );
  });

  it('gives no CORS grant to another origin', async () => {
    const reply = await fetch(`${h.url}/api/v1/features`, {
      headers: {
        origin: 'https://evil.example.com',
        authorization: `Bearer ${await h.token('viewer')}`,
      },
    });
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves the console without a token, /console redirecting to /console/', async () => {
    const redirect = await fetch(`${h.url}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/console/');
    const page = await fetch(`${h.url}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('LCM console');
    expect(
      (await fetch(`${h.url}/console/app.js`)).headers.get('content-type'),
    ).toContain('javascript');
    expect((await fetch(`${h.url}/console/../package.json`)).status).toBe(404);
  });

  it('without a built console, /console is a 404 problem naming the build command', async () => {
    const bare = await startTestApi({
      env: { CONSOLE_DIR: join(dir, 'missing') },
    });
    try {
      const reply = await fetch(`${bare.url}/console`);
      expect(reply.status).toBe(404);
      expect(reply.headers.get('content-type')).toContain(
        'application/problem+json',
      );
      expect(((await reply.json()) as { detail: string }).detail).toContain(
        'nx build console',
      );
      expect(
        (
          await fetch(`${bare.url}/api/v1/features`, {
            headers: { origin: 'https://ops.example.com' },
          })
        ).headers.get('access-control-allow-origin'),
      ).toBeNull();
    } finally {
      await bare.close();
    }
  });

  it('refuses a CORS_ORIGINS entry that is not an origin', () => {
    expect(() =>
      loadApiConfig({
        CORS_ORIGINS: 'ops.example.com/path',
        AUTH_JWT_SECRET: 'x'.repeat(40),
        ETCD_ENDPOINTS: 'http://127.0.0.1:2379',
        MONGODB_URI: 'mongodb://127.0.0.1/lcm',
      }),
    ).toThrow(/CORS_ORIGINS: ops.example.com\/path is not an origin/);
  });
});
