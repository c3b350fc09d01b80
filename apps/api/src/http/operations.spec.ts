import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { issueToken } from '@lcm/runtime';
import { ApiHarness, call, SECRET, startTestApi } from '../../test/api-harness';
import { UNKNOWN_ID } from '../../test/routes';

describe('operations', () => {
  let h: ApiHarness;
  afterEach(() => h.close());

  it('echoes a plain x-request-id, makes one up otherwise', async () => {
    h = await startTestApi();
    const token = await h.token('viewer');
    const given = await h.call('GET', '/api/v1/features', {
      token,
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const made = await h.call('GET', '/api/v1/features', {
      token,
      headers: { 'x-request-id': 'not plain; has spaces' },
    });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await h.call('GET', '/api/v1/features', { token })).json).toEqual({
      labletEnabled: true,
      eventStream: true,
      webhooks: false,
    });
  });

  it('answers a method the OpenAPI document does not declare on a known path with 405, Allow and a problem, changing nothing', async () => {
    h = await startTestApi();
    const token = await h.token('admin');
    const before = await h.state.revision();
    const cases: [string, string, string][] = [
      ['PUT', '/api/v1/instances', 'GET, HEAD, POST'],
      ['PATCH', `/api/v1/instances/${UNKNOWN_ID}`, 'DELETE, GET, HEAD'],
      ['DELETE', '/api/v1/workers', 'GET, HEAD, POST'],
      ['PATCH', `/api/v1/templates/${UNKNOWN_ID}`, 'DELETE, GET, HEAD, PUT'],
      ['GET', `/api/v1/instances/${UNKNOWN_ID}/stop`, 'POST'],
      ['POST', '/api/v1/events/stream', 'GET, HEAD'],
      ['POST', '/healthz', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const reply = await h.call(method, path, {
        token,
        ...(method === 'GET' ? {} : { body: {} }),
      });
      expect({
        method,
        path,
        status: reply.status,
        allow: reply.headers.get('allow'),
      }).toEqual({ method, path, status: 405, allow });
      expect(reply.headers.get('content-type')).toContain(
        'application/problem+json',
      );
      expect(reply.json).toMatchObject({
        type: 'urn:lcm:problem:method-not-allowed',
        status: 405,
      });
    }
    // Declared methods and unknown paths are untouched.
    expect((await h.call('GET', '/api/v1/instances', { token })).status).toBe(
      200,
    );
    expect((await h.call('HEAD', '/api/v1/instances', { token })).status).toBe(
      200,
    );
    expect(
      (await h.call('PUT', '/api/v1/nothing-here', { token })).status,
    ).toBe(404);
    expect(await h.state.revision()).toBe(before);
  });

  it('measures lcm_api_request_duration_seconds by method, route template and status', async () => {
    h = await startTestApi();
    const token = await h.token('viewer');
    await h.call('GET', `/api/v1/instances/${UNKNOWN_ID}`, { token });
    await h.call('GET', '/api/v1/instances/not-a-uuid', { token });
    await h.call('GET', '/api/v1/instances');
    const metrics = (await h.call('GET', '/metrics')).text;
    expect(metrics).toContain(
      'lcm_api_request_duration_seconds_count{service="api",method="GET",endpoint="/api/v1/instances/:id",status="404"} 1',
    );
    expect(metrics).toContain(
      'lcm_api_request_duration_seconds_count{service="api",method="GET",endpoint="/api/v1/instances/:id",status="400"} 1',
    );
    expect(metrics).toContain(
      'lcm_api_request_duration_seconds_count{service="api",method="GET",endpoint="/api/v1/instances",status="401"} 1',
    );
    expect(metrics).not.toContain(UNKNOWN_ID);
    expect(metrics).toContain('lcm_api_request_duration_seconds_bucket{');
  });

  it('rate-limits per identity (RATE_LIMIT_PER_MINUTE): the 429 is a problem, other identities are unaffected', async () => {
    h = await startTestApi({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
    const busy = await h.token('viewer', 'busy');
    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await h.call('GET', '/api/v1/features', { token: busy })).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await h.call('GET', '/api/v1/definitions', { token: busy });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toContain(
      'application/problem+json',
    );
    expect(limited.json).toMatchObject({
      type: 'urn:lcm:problem:rate-limited',
      status: 429,
    });
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(
      (
        await h.call('GET', '/api/v1/features', {
          token: await h.token('viewer', 'calm'),
        })
      ).status,
    ).toBe(200);
    // Probes are never limited.
    expect((await h.call('GET', '/healthz')).status).toBe(200);
  });

  it('serves the OpenAPI document (from the DTOs) and its UI without a token', async () => {
    h = await startTestApi();
    const ui = await h.call('GET', '/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const document = (await h.call('GET', '/api/docs-json')).json;
    expect(document.info.title).toBe('LCM control-plane API');
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(document.components.schemas.RegisterDefinitionDto.required).toEqual(
      expect.arrayContaining([
        'name',
        'labYaml',
        'resourceRequirements',
        'licenseAffinity',
        'nodeCount',
        'portTemplate',
        'maxDurationMinutes',
      ]),
    );
    expect(
      document.paths['/api/v1/instances'].post.responses['422'].content[
        'application/problem+json'
      ],
    ).toBeDefined();
  });

  it('states the constraints the api enforces: id patterns, query patterns, closed request bodies, the SSE event schema', async () => {
    h = await startTestApi();
    const document = (await h.call('GET', '/api/docs-json')).json;
    const param = (path: string, method: string, name: string) =>
      (
        document.paths[path][method].parameters as {
          name: string;
          in: string;
          schema: Record<string, unknown>;
        }[]
      ).filter((p) => p.name === name);
    const [instanceId] = param('/api/v1/instances/{id}', 'get', 'id');
    expect(instanceId.schema).toMatchObject({
      type: 'string',
      format: 'uuid',
      maxLength: 36,
    });
    expect(param('/api/v1/instances/{id}', 'get', 'id')).toHaveLength(1);
    expect(
      new RegExp(instanceId.schema['pattern'] as string).test(
        UNKNOWN_ID.toUpperCase(),
      ),
    ).toBe(true);
    expect(
      new RegExp(instanceId.schema['pattern'] as string).test('fuzz'),
    ).toBe(false);
    expect(param('/api/v1/workers/{id}', 'get', 'id')[0].schema).toMatchObject({
      pattern: expect.any(String),
      maxLength: 128,
    });
    expect(
      param('/api/v1/definitions/{id}/versions/{version}', 'get', 'version')[0]
        .schema,
    ).toMatchObject({ pattern: expect.any(String), maxLength: 64 });
    expect(param('/api/v1/instances', 'get', 'cursor')[0].schema).toMatchObject(
      { pattern: '^[A-Za-z0-9_-]{1,1024}$' },
    );
    expect(
      param('/api/v1/instances', 'get', 'ownerId')[0].schema,
    ).toMatchObject({ pattern: expect.any(String) });
    expect(param('/api/v1/instances', 'get', 'limit')[0].schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 500,
    });
    const schemas = document.components.schemas;
    for (const name of [
      'CreateInstanceDto',
      'RegisterDefinitionDto',
      'ResourceRequirementsDto',
      'CreateTemplateDto',
      'UpdateTemplateDto',
      'PortRangeDto',
      'CreateWorkerDto',
    ]) {
      expect({
        name,
        additionalProperties: schemas[name].additionalProperties,
      }).toEqual({ name, additionalProperties: false });
    }
    expect(schemas.InstanceDto.additionalProperties).toBeUndefined();
    expect(schemas.PortRangeDto.properties.start).toMatchObject({
      minimum: 1024,
      maximum: 65535,
    });
    const stream =
      document.paths['/api/v1/events/stream'].get.responses['200'].content[
        'text/event-stream'
      ].schema;
    expect(stream).toMatchObject({
      type: 'object',
      required: ['event', 'data'],
      properties: { id: { pattern: '^[0-9]+$' }, retry: { type: 'integer' } },
    });
  });
});

describe('logs', () => {
  it('are JSON lines with the request id, and never carry the bearer token or the secret', async () => {
    const root = join(__dirname, '../../../..');
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/api/test/log-probe.main.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          SWC_NODE_PROJECT: join(root, 'tsconfig.base.json'),
          AUTH_JWT_SECRET: SECRET,
          NODE_ENV: 'test',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /listening (\S+)/.exec(stderr);
          if (match) resolve(match[1]);
        });
        child.on('exit', (code) =>
          reject(new Error(`log probe exited with ${code}: ${stderr}`)),
        );
      });
      const token = await issueToken(SECRET, {
        subject: 'log-reader',
        roles: ['admin'],
      });
      await call(url, 'GET', '/api/v1/definitions', {
        token,
        headers: { 'x-request-id': 'req-log-1' },
      });
      await call(url, 'GET', '/api/v1/definitions', { token: `${token}x` });
      await call(url, 'POST', '/api/v1/definitions', {
        token,
        body: { name: 'x', labYaml: `password: ${SECRET}` },
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const lines = stdout.trim().split('\n');
    const entries = lines.map(
      (line) => JSON.parse(line) as Record<string, unknown>,
    );
    expect(entries.find((e) => e['requestId'] === 'req-log-1')).toMatchObject({
      level: 'info',
      service: 'api',
      context: 'http',
      method: 'GET',
      endpoint: '/api/v1/definitions',
      status: 200,
      subject: 'log-reader',
    });
    expect(entries.filter((e) => e['status'] === 401)).toHaveLength(1);
    expect(stdout).not.toContain(SECRET);
    expect(stdout).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
  }, 60_000);
});
