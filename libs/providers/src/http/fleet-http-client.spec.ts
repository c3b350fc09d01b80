import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  InstanceNotFound,
  OperationFailed,
  QuotaExceeded,
} from '../ports/provider-errors';
import { FleetHttpClient } from './fleet-http-client';
import { FLEET_ROUTES, toWireError } from './fleet-wire';
import { HttpLabRuntime } from './http-lab-runtime';
import { HttpWorkerProvider } from './http-worker-provider';

type Reply = { status: number; body?: unknown; delayMs?: number; raw?: string };

/** A server answering from a script, one reply per request (the last one repeats). */
async function scriptedServer(replies: Reply[]): Promise<{
  url: string;
  requests: { path: string; body: unknown; auth?: string }[];
  close(): Promise<void>;
}> {
  const requests: { path: string; body: unknown; auth?: string }[] = [];
  let index = 0;
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      requests.push({
        path: req.url ?? '',
        body: data ? JSON.parse(data) : undefined,
        auth: req.headers.authorization,
      });
      const reply = replies[Math.min(index++, replies.length - 1)];
      const send = () => {
        const payload =
          reply.raw ??
          (reply.body === undefined ? '' : JSON.stringify(reply.body));
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(payload);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const noSleep = { retryDelayMs: 1 };

describe('FleetHttpClient', () => {
  it('posts the arguments as JSON with the bearer token and returns the result', async () => {
    const server = await scriptedServer([
      {
        status: 200,
        body: { result: { cpuUtilization: 7, memoryUtilization: 9 } },
      },
    ]);
    try {
      const provider = new HttpWorkerProvider({
        baseUrl: `${server.url}/`,
        token: 't0ken',
        ...noSleep,
      });
      expect(await provider.metrics('i-1')).toEqual({
        cpuUtilization: 7,
        memoryUtilization: 9,
      });
      expect(server.requests).toEqual([
        {
          path: FLEET_ROUTES.metrics,
          body: { cloudId: 'i-1' },
          auth: 'Bearer t0ken',
        },
      ]);
    } finally {
      await server.close();
    }
  });

  it('returns undefined when the server sent no result (describe of an unknown id, void methods)', async () => {
    const server = await scriptedServer([{ status: 200, body: {} }]);
    try {
      const provider = new HttpWorkerProvider({
        baseUrl: server.url,
        ...noSleep,
      });
      expect(await provider.describe('i-unknown')).toBeUndefined();
      await expect(provider.terminate('i-unknown')).resolves.toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('retries with backoff when no answer came back (gateway errors), then succeeds', async () => {
    const server = await scriptedServer([
      { status: 503, raw: 'upstream down' },
      { status: 502 },
      { status: 200, body: { result: [] } },
    ]);
    const sleeps: number[] = [];
    try {
      const provider = new HttpWorkerProvider({
        baseUrl: server.url,
        retries: 3,
        retryDelayMs: 50,
        onRetry: (ms) => void sleeps.push(ms),
      });
      expect(await provider.listManaged()).toEqual([]);
      expect(server.requests).toHaveLength(3);
      expect(sleeps).toEqual([50, 100]);
    } finally {
      await server.close();
    }
  });

  it('does not retry a typed error: it is the answer, rebuilt as the same class', async () => {
    const server = await scriptedServer([
      {
        status: 429,
        body: { error: toWireError(new QuotaExceeded('limit of 2', 2)) },
      },
    ]);
    try {
      const provider = new HttpWorkerProvider({
        baseUrl: server.url,
        retries: 3,
        ...noSleep,
      });
      await expect(provider.start('i-1')).rejects.toBeInstanceOf(QuotaExceeded);
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('retries typed retryable errors too when asked to, never non-retryable ones', async () => {
    const busy = toWireError(
      new OperationFailed('busy', { reason: 'throttled' }),
    );
    const server = await scriptedServer([
      { status: 503, body: { error: busy } },
      {
        status: 404,
        body: { error: toWireError(new InstanceNotFound('i-1')) },
      },
    ]);
    try {
      const provider = new HttpWorkerProvider({
        baseUrl: server.url,
        retries: 5,
        retryRetryableErrors: true,
        ...noSleep,
      });
      await expect(provider.stop('i-1')).rejects.toBeInstanceOf(
        InstanceNotFound,
      );
      expect(server.requests).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('gives up after the retries with a retryable OperationFailed naming the cause (timeout, connection refused)', async () => {
    const slow = await scriptedServer([
      { status: 200, body: { result: [] }, delayMs: 500 },
    ]);
    try {
      const provider = new HttpWorkerProvider({
        baseUrl: slow.url,
        timeoutMs: 50,
        retries: 1,
        ...noSleep,
      });
      const error = await provider.listManaged().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OperationFailed);
      expect(error).toMatchObject({ retryable: true, reason: 'timeout' });
      expect((error as Error).message).toMatch(
        /no answer within 50 ms .*after 2 attempts/,
      );
    } finally {
      await slow.close();
    }
    const gone = await scriptedServer([{ status: 200 }]);
    await gone.close();
    const provider = new HttpWorkerProvider({
      baseUrl: gone.url,
      retries: 2,
      ...noSleep,
    });
    const refused = await provider.describe('i-1').catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: 'OPERATION_FAILED',
      retryable: true,
      reason: 'network',
    });
    expect((refused as Error).message).toMatch(/ECONNREFUSED/);
    // health never throws: an unreachable data plane means an unavailable engine.
    expect(
      await new HttpLabRuntime({ baseUrl: gone.url, retries: 0 }).health('w-1'),
    ).toEqual({ status: 'UNAVAILABLE' });
    expect(await new FleetHttpClient({ baseUrl: gone.url }).ping()).toBe(false);
  });

  it('opens the circuit after calls in a row got no answer: the next call fails at once, without a request, until a trial call is let through', async () => {
    const server = await scriptedServer([
      { status: 503, raw: 'upstream down' },
      { status: 503, raw: 'upstream down' },
      { status: 200, body: { result: [] } },
    ]);
    try {
      const provider = new HttpWorkerProvider({
        baseUrl: server.url,
        retries: 0,
        circuitFailures: 2,
        circuitHalfOpenAfterMs: 200,
      });
      for (let i = 0; i < 2; i++)
        await expect(provider.listManaged()).rejects.toMatchObject({
          code: 'OPERATION_FAILED',
        });
      expect(server.requests).toHaveLength(2);
      await expect(provider.listManaged()).rejects.toMatchObject({
        code: 'OPERATION_FAILED',
        retryable: true,
        reason: 'circuit_open',
      });
      expect(server.requests).toHaveLength(2);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await provider.listManaged()).toEqual([]);
      expect(server.requests).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it('maps an untyped error status onto the error kinds', async () => {
    const server = await scriptedServer([{ status: 401, raw: 'who are you' }]);
    try {
      const runtime = new HttpLabRuntime({ baseUrl: server.url, ...noSleep });
      await expect(runtime.listLabs('w-1')).rejects.toMatchObject({
        code: 'AUTHENTICATION_FAILED',
        message: 'HTTP 401: who are you',
      });
    } finally {
      await server.close();
    }
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => new FleetHttpClient({ baseUrl: 'ftp://x' })).toThrow(
      /must be http/,
    );
    expect(() => new FleetHttpClient({ baseUrl: 'not a url' })).toThrow(
      /invalid data-plane URL/,
    );
  });
});
