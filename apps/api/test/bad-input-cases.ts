// The bad-input table: requests that must each get the right 4xx problem+json and change nothing.
// Built from the fixtures of a prepared app (see prepareFixtures), shared by the unit suite (memory
// stores) and the integration suite (etcd + FerretDB).
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { issueToken, Role } from '@lcm/runtime';
import {
  addRunningWorker,
  ApiHarness,
  definitionBody,
  driveInstance,
  LAB_YAML,
  SECRET,
  templateBody,
  timeslot,
} from './api-harness';
import { UNKNOWN_ID } from './routes';

export type Caller =
  | Role
  | 'none'
  | 'forged'
  | 'expired'
  | 'malformed'
  | 'basic'
  | 'alg-none'
  | 'no-subject'
  | 'other-user';

export interface BadInputCase {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  as: Caller;
  /** JSON body (sent as application/json unless headers say otherwise). */
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
  status: number;
  /** The problem type's last part (`validation-error`, ...). */
  type?: string;
  /** A field the problem must name. */
  field?: string;
}

export interface Fixtures {
  definitionId: string;
  definitionName: string;
  templateId: string;
  /** A seeded template a worker uses. */
  usedTemplateId: string;
  pendingInstanceId: string;
  runningInstanceId: string;
  workerId: string;
}

/** One definition, one custom template, a running worker with a running instance, a pending instance. */
export async function prepareFixtures(h: ApiHarness): Promise<Fixtures> {
  const admin = await h.token('admin', 'alice');
  const definition = (
    await h.call('POST', '/api/v1/definitions', {
      token: admin,
      body: definitionBody(),
    })
  ).json;
  const template = (
    await h.call('POST', '/api/v1/templates', {
      token: admin,
      body: templateBody(),
    })
  ).json;
  const templates = (await h.call('GET', '/api/v1/templates', { token: admin }))
    .json.items as { id: string; name: string }[];
  const usedTemplate = templates.find((t) => t.name === 'personal-standard');
  if (!definition?.id || !template?.id || !usedTemplate)
    throw new Error('fixtures could not be created');
  const workerId = await addRunningWorker(h, {
    templateName: usedTemplate.name,
  });
  const user = await h.token('user', 'ulla');
  const pending = (
    await h.call('POST', '/api/v1/instances', {
      token: user,
      body: { definitionId: definition.id, ...timeslot() },
    })
  ).json;
  const running = (
    await h.call('POST', '/api/v1/instances', {
      token: user,
      body: { definitionId: definition.id, ...timeslot() },
    })
  ).json;
  await driveInstance(h, running.id, workerId, 'running');
  return {
    definitionId: definition.id,
    definitionName: definition.name,
    templateId: template.id,
    usedTemplateId: usedTemplate.id,
    pendingInstanceId: pending.id,
    runningInstanceId: running.id,
    workerId,
  };
}

/** The bearer header value for each kind of caller. */
export async function credentials(
  h: ApiHarness,
): Promise<Record<Caller, string | undefined>> {
  const key = new TextEncoder().encode(SECRET);
  const header = (value: object) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    admin: `Bearer ${await h.token('admin', 'alice')}`,
    manager: `Bearer ${await h.token('manager', 'mona')}`,
    user: `Bearer ${await h.token('user', 'ulla')}`,
    'other-user': `Bearer ${await h.token('user', 'otto')}`,
    viewer: `Bearer ${await h.token('viewer', 'vera')}`,
    service: `Bearer ${await h.token('service', 'assessment-platform')}`,
    none: undefined,
    forged: `Bearer ${await issueToken('another-secret-that-is-long-enough-0123456789', { subject: 'mallory', roles: ['admin'] })}`,
    expired: `Bearer ${await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt(1_000).setExpirationTime(2_000).sign(key)}`,
    malformed: 'Bearer not.a.jwt',
    basic: `Basic ${Buffer.from('alice:password').toString('base64')}`,
    'alg-none': `Bearer ${header({ alg: 'none', typ: 'JWT' })}.${header({ sub: 'alice', roles: ['admin'], exp: Math.floor(Date.now() / 1000) + 3600 })}.`,
    'no-subject': `Bearer ${await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(key)}`,
  };
}

export function buildBadInputCases(fx: Fixtures): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const add = (c: BadInputCase) => cases.push(c);
  const newDefinition = definitionBody({ name: 'bad-input-lab' });
  const at = (minutes: number) =>
    new Date(Date.now() + minutes * 60_000).toISOString();
  const instanceBody = (overrides: Record<string, unknown> = {}) => ({
    definitionId: fx.definitionId,
    timeslotStart: at(1),
    timeslotEnd: at(61),
    ...overrides,
  });

  // ---- identity: 401 on every kind of missing or bad token, on reads and writes ----
  const protectedRoutes: Pick<BadInputCase, 'method' | 'path' | 'body'>[] = [
    { method: 'GET', path: '/api/v1/definitions' },
    { method: 'POST', path: '/api/v1/definitions', body: newDefinition },
    { method: 'GET', path: `/api/v1/instances/${fx.pendingInstanceId}` },
    { method: 'POST', path: '/api/v1/instances', body: instanceBody() },
    { method: 'DELETE', path: `/api/v1/instances/${fx.pendingInstanceId}` },
    { method: 'POST', path: `/api/v1/workers/${fx.workerId}/drain` },
    {
      method: 'POST',
      path: '/api/v1/templates',
      body: templateBody({ name: 'unauthorised' }),
    },
    { method: 'DELETE', path: `/api/v1/templates/${fx.templateId}` },
    { method: 'POST', path: '/api/v1/events', body: { specversion: '1.0' } },
    { method: 'GET', path: '/api/v1/features' },
  ];
  const badCallers: Caller[] = [
    'none',
    'forged',
    'expired',
    'malformed',
    'basic',
    'alg-none',
    'no-subject',
  ];
  for (const route of protectedRoutes) {
    for (const as of badCallers)
      add({
        name: `${route.method} ${route.path} ${as === 'none' ? 'without a token' : `with a ${as} token`}`,
        ...route,
        as,
        status: 401,
        type: 'unauthorized',
      });
  }

  // ---- roles: 403 with an otherwise valid request ----
  const forbidden: [Caller, BadInputCase['method'], string, unknown?][] = [
    ['user', 'POST', '/api/v1/definitions', newDefinition],
    ['viewer', 'POST', '/api/v1/definitions', newDefinition],
    ['service', 'POST', '/api/v1/definitions', newDefinition],
    ['user', 'DELETE', `/api/v1/definitions/${fx.definitionId}`],
    ['viewer', 'POST', '/api/v1/instances', instanceBody()],
    ['service', 'GET', '/api/v1/instances'],
    ['viewer', 'DELETE', `/api/v1/instances/${fx.pendingInstanceId}`],
    [
      'user',
      'POST',
      '/api/v1/instances',
      instanceBody({ ownerId: 'somebody-else' }),
    ],
    [
      'manager',
      'POST',
      '/api/v1/templates',
      templateBody({ name: 'by-manager' }),
    ],
    [
      'manager',
      'PUT',
      `/api/v1/templates/${fx.templateId}`,
      { description: 'x' },
    ],
    ['user', 'GET', '/api/v1/templates'],
    ['manager', 'POST', `/api/v1/workers/${fx.workerId}/drain`],
    ['viewer', 'POST', `/api/v1/workers/${fx.workerId}/cordon`],
    [
      'manager',
      'POST',
      '/api/v1/workers',
      { templateName: 'personal-standard' },
    ],
    ['user', 'GET', '/api/v1/workers'],
    ['viewer', 'POST', '/api/v1/events', { specversion: '1.0' }],
    // A user may stream (its own instances' events only); a service may not.
    ['service', 'GET', '/api/v1/events/stream'],
    ['user', 'GET', '/api/v1/audit/events'],
    ['service', 'GET', '/api/v1/features'],
  ];
  for (const [as, method, path, body] of forbidden)
    add({
      name: `${method} ${path} as ${as}`,
      method,
      path,
      as,
      body,
      status: 403,
      type: 'forbidden',
    });
  add({
    name: 'user reads another owner’s instance',
    method: 'GET',
    path: `/api/v1/instances/${fx.pendingInstanceId}`,
    as: 'other-user',
    status: 404,
    type: 'not-found',
  });
  add({
    name: 'user stops another owner’s instance',
    method: 'POST',
    path: `/api/v1/instances/${fx.runningInstanceId}/stop`,
    as: 'other-user',
    status: 404,
    type: 'not-found',
  });
  add({
    name: 'user deletes another owner’s instance',
    method: 'DELETE',
    path: `/api/v1/instances/${fx.pendingInstanceId}`,
    as: 'other-user',
    status: 404,
    type: 'not-found',
  });
  add({
    name: 'user lists another owner’s instances',
    method: 'GET',
    path: '/api/v1/instances?ownerId=ulla',
    as: 'other-user',
    status: 403,
    type: 'forbidden',
    field: 'ownerId',
  });

  // ---- definitions: schema (400) ----
  const definitionField = (
    field: string,
    value: unknown,
    label = JSON.stringify(value)?.slice(0, 40),
  ) =>
    add({
      name: `definition ${field} = ${label}`,
      method: 'POST',
      path: '/api/v1/definitions',
      as: 'admin',
      body: { ...newDefinition, [field]: value },
      status: 400,
      type: 'validation-error',
      field,
    });
  for (const field of [
    'name',
    'labYaml',
    'resourceRequirements',
    'licenseAffinity',
    'nodeCount',
    'portTemplate',
    'maxDurationMinutes',
  ]) {
    const { [field]: _dropped, ...rest } = newDefinition;
    add({
      name: `definition without ${field}`,
      method: 'POST',
      path: '/api/v1/definitions',
      as: 'admin',
      body: rest,
      status: 400,
      type: 'validation-error',
      field,
    });
  }
  for (const value of [
    42,
    true,
    null,
    [],
    {},
    '',
    ' leading-space',
    'a/b',
    '-dash',
    '<script>alert(1)</script>',
    'x'.repeat(129),
    'x'.repeat(10_000),
    'ünïcode',
  ])
    definitionField('name', value);
  for (const value of [
    1,
    '1.0',
    'v1.0.0',
    '1.0.0+build.1',
    '01.0.0',
    '1.0.0-',
    'latest',
    '1.2.3.4',
    '',
    '1.0.0 ',
  ])
    definitionField('version', value);
  for (const value of [5, 'x'.repeat(4097), ['a']])
    definitionField('description', value, String(value).slice(0, 20));
  for (const value of [42, '', ['lab:'], { lab: 'x' }])
    definitionField('labYaml', value);
  definitionField(
    'labYaml',
    `lab: x\n${'#'.repeat(1024 * 1024)}\n`,
    'over 1 MiB',
  );
  for (const value of [
    'big',
    [],
    4,
    { cpuCores: 0, memoryGb: 8, storageGb: 50, nestedVirt: true },
    { cpuCores: '4', memoryGb: 8, storageGb: 50, nestedVirt: true },
    { cpuCores: 1.5, memoryGb: 8, storageGb: 50, nestedVirt: true },
    { cpuCores: -1, memoryGb: 8, storageGb: 50, nestedVirt: true },
    { cpuCores: 4, memoryGb: null, storageGb: 50, nestedVirt: true },
    { cpuCores: 4, memoryGb: 8, storageGb: 50, nestedVirt: 'yes' },
    { cpuCores: 4, memoryGb: 8, storageGb: 50 },
    { cpuCores: 4, memoryGb: 8, storageGb: 50, nestedVirt: true, gpu: 1 },
    {
      cpuCores: 4,
      memoryGb: 8,
      storageGb: 50,
      nestedVirt: true,
      amiRequirements: 'CML',
    },
    {
      cpuCores: 4,
      memoryGb: 8,
      storageGb: 50,
      nestedVirt: true,
      amiRequirements: [{ minVersion: '2.9' }],
    },
    { cpuCores: 5000, memoryGb: 8, storageGb: 50, nestedVirt: true },
  ]) {
    definitionField('resourceRequirements', value);
  }
  for (const value of [
    [],
    ['GOLD'],
    'PERSONAL',
    ['PERSONAL', 'PERSONAL'],
    [1],
    ['personal'],
    null,
  ])
    definitionField('licenseAffinity', value);
  for (const value of [0, -3, 2.5, '2', 10_001, null])
    definitionField('nodeCount', value);
  for (const value of [
    [],
    { ports: 'x' },
    { ports: [{ name: '1bad', protocol: 'tcp' }] },
    { ports: [{ name: 'serial_1', protocol: 'sctp' }] },
    { ports: [{ name: 'serial_1' }] },
    {},
    { ports: [{ name: 'serial_1', protocol: 'tcp', port: 22 }] },
    {
      ports: Array.from({ length: 257 }, (_, i) => ({
        name: `p${i}`,
        protocol: 'tcp',
      })),
    },
  ]) {
    definitionField('portTemplate', value);
  }
  for (const value of [0, 'long', 1e9, -5, 60.5])
    definitionField('maxDurationMinutes', value);
  for (const value of ['not a uri', 5, 'x'.repeat(2049)])
    definitionField('gradingRulesUri', value, String(value).slice(0, 20));
  for (const value of [-1, 1001, 'two'])
    definitionField('warmPoolDepth', value);
  for (const value of [0, 241, 2.5, 'five'])
    definitionField('instantiationAllowanceMinutes', value);
  for (const value of [
    { emails: ['nope'] },
    { webhookUrl: 'ftp://x.example' },
    'x',
    { emails: 'a@b.c' },
    { sms: '+100' },
  ])
    definitionField('ownerNotification', value);
  for (const field of ['labYamlHash', 'id', 'createdBy', 'deprecated', 'foo'])
    definitionField(field, 'x');

  // ---- definitions: rules (422) and conflicts (409) ----
  const definitionRule = (
    name: string,
    overrides: Record<string, unknown>,
    status = 422,
    type = 'unprocessable',
  ) =>
    add({
      name: `definition ${name}`,
      method: 'POST',
      path: '/api/v1/definitions',
      as: 'admin',
      body: { ...newDefinition, ...overrides },
      status,
      type,
    });
  definitionRule('placeholder naming no port', {
    labYaml: 'lab: {}\nnodes:\n  - tags: ["serial:${PORT_CONSOLE_9}"]\n',
  });
  definitionRule('PERSONAL-only with 25 nodes', { nodeCount: 25 });
  definitionRule('port names that share a placeholder', {
    portTemplate: {
      ports: [
        { name: 'serial_1', protocol: 'tcp' },
        { name: 'SERIAL_1', protocol: 'tcp' },
      ],
    },
  });
  definitionRule('lab YAML that is a list', { labYaml: '- a\n- b\n' });
  definitionRule('lab YAML that is not YAML', {
    labYaml: 'lab: [unclosed\n  nodes: {',
  });
  definitionRule('blank lab YAML', { labYaml: '   \n' });
  definitionRule(
    'an existing version again',
    {
      name: fx.definitionName,
      version: '1.0.0',
      labYaml: `${LAB_YAML}# changed\n`,
    },
    409,
    'duplicate',
  );

  // ---- bodies: JSON syntax, size, media types ----
  for (const path of [
    '/api/v1/definitions',
    '/api/v1/instances',
    '/api/v1/templates',
    '/api/v1/workers',
  ]) {
    for (const raw of [
      '{',
      '{"name":}',
      "{'name':'x'}",
      'nul',
      '[1,2',
      '{"a":1,}',
      '{"a":"\u0000"',
    ]) {
      add({
        name: `POST ${path} with invalid JSON ${JSON.stringify(raw)}`,
        method: 'POST',
        path,
        as: 'admin',
        raw,
        headers: { 'content-type': 'application/json' },
        status: 400,
        type: 'invalid-json',
      });
    }
    for (const raw of ['[]', '"text"', '42', 'null', 'true']) {
      add({
        name: `POST ${path} with a JSON ${raw} body`,
        method: 'POST',
        path,
        as: 'admin',
        raw,
        headers: { 'content-type': 'application/json' },
        status: 400,
      });
    }
    for (const type of [
      'text/plain',
      'application/xml',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
    ]) {
      add({
        name: `POST ${path} as ${type}`,
        method: 'POST',
        path,
        as: 'admin',
        raw: 'name=x',
        headers: { 'content-type': type },
        status: 415,
        type: 'unsupported-media-type',
      });
    }
    add({
      name: `POST ${path} without a content type`,
      method: 'POST',
      path,
      as: 'admin',
      raw: Buffer.from('{"name":"x"}'),
      status: 415,
      type: 'unsupported-media-type',
    });
    add({
      name: `POST ${path} in Latin-1`,
      method: 'POST',
      path,
      as: 'admin',
      raw: Buffer.from('{"name":"caf\xe9"}', 'latin1'),
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
      status: 415,
      type: 'unsupported-media-type',
    });
    add({
      name: `POST ${path} with a 3 MB body`,
      method: 'POST',
      path,
      as: 'admin',
      raw: JSON.stringify({ name: 'x', labYaml: 'y'.repeat(3 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
      status: 413,
      type: 'payload-too-large',
    });
    add({
      name: `POST ${path} with an empty body`,
      method: 'POST',
      path,
      as: 'admin',
      raw: '',
      headers: { 'content-type': 'application/json' },
      status: 400,
    });
  }

  // ---- instances: schema (400), admission (422) ----
  const instanceCase = (
    name: string,
    body: unknown,
    status: number,
    type: string,
    field?: string,
    as: Caller = 'user',
  ) =>
    add({
      name: `instance ${name}`,
      method: 'POST',
      path: '/api/v1/instances',
      as,
      body,
      status,
      type,
      field,
    });
  const { definitionId: _d, ...withoutDefinition } = instanceBody();
  instanceCase(
    'without definitionId',
    withoutDefinition,
    400,
    'validation-error',
    'definitionId',
  );
  const { timeslotStart: _s, ...withoutStart } = instanceBody();
  instanceCase(
    'without timeslotStart',
    withoutStart,
    400,
    'validation-error',
    'timeslotStart',
  );
  const { timeslotEnd: _e, ...withoutEnd } = instanceBody();
  instanceCase(
    'without timeslotEnd',
    withoutEnd,
    400,
    'validation-error',
    'timeslotEnd',
  );
  for (const value of [
    'nope',
    123,
    null,
    '00000000-0000-0000-0000-00000000000g',
    `${fx.definitionId}x`,
  ])
    instanceCase(
      `definitionId ${JSON.stringify(value)}`,
      instanceBody({ definitionId: value }),
      400,
      'validation-error',
      'definitionId',
    );
  for (const value of ['1.0', 'v1', 7, ''])
    instanceCase(
      `definitionVersion ${JSON.stringify(value)}`,
      instanceBody({ definitionVersion: value }),
      400,
      'validation-error',
      'definitionVersion',
    );
  for (const value of [
    'tomorrow',
    '2026-01-01',
    '2026-01-01T10:00:00',
    12345,
    '2026-13-01T10:00:00Z',
    '2026-02-30T10:00:00Z',
    null,
    'x'.repeat(100),
  ]) {
    instanceCase(
      `timeslotStart ${JSON.stringify(value).slice(0, 30)}`,
      instanceBody({ timeslotStart: value }),
      400,
      'validation-error',
      'timeslotStart',
    );
  }
  instanceCase(
    'reversed timeslot',
    instanceBody({ timeslotStart: at(60), timeslotEnd: at(30) }),
    422,
    'unprocessable',
    'timeslotEnd',
  );
  instanceCase(
    'empty timeslot',
    instanceBody({ timeslotStart: at(30), timeslotEnd: at(30) }),
    422,
    'unprocessable',
    'timeslotEnd',
  );
  instanceCase(
    'timeslot longer than maxDurationMinutes',
    instanceBody({ timeslotStart: at(1), timeslotEnd: at(200) }),
    422,
    'unprocessable',
    'timeslotEnd',
  );
  instanceCase(
    'timeslot of a year',
    instanceBody({ timeslotStart: at(1), timeslotEnd: at(525_600) }),
    422,
    'unprocessable',
    'timeslotEnd',
  );
  instanceCase(
    'timeslot already over',
    instanceBody({ timeslotStart: at(-120), timeslotEnd: at(-60) }),
    422,
    'unprocessable',
    'timeslotEnd',
  );
  instanceCase(
    'unknown definition',
    instanceBody({ definitionId: UNKNOWN_ID }),
    422,
    'unprocessable',
    'definitionId',
  );
  instanceCase(
    'unknown definition version',
    instanceBody({ definitionVersion: '9.9.9' }),
    422,
    'unprocessable',
    'definitionVersion',
  );
  for (const value of ['', 'has space', 'x'.repeat(300), 5, ['a']])
    instanceCase(
      `ownerId ${JSON.stringify(value).slice(0, 30)}`,
      instanceBody({ ownerId: value }),
      400,
      'validation-error',
      'ownerId',
      'admin',
    );
  for (const value of ['', 'x'.repeat(300), {}, '<b>'])
    instanceCase(
      `reservationId ${JSON.stringify(value).slice(0, 30)}`,
      instanceBody({ reservationId: value }),
      400,
      'validation-error',
      'reservationId',
    );
  for (const field of ['state', 'workerId', 'id', 'allocatedPorts', 'spec'])
    instanceCase(
      `with unknown field ${field}`,
      instanceBody({ [field]: 'running' }),
      400,
      'validation-error',
      field,
    );

  // ---- list queries (400) ----
  const query = (path: string, field: string) =>
    add({
      name: `GET ${path}`,
      method: 'GET',
      path,
      as: 'admin',
      status: 400,
      type: 'validation-error',
      field,
    });
  for (const q of [
    'limit=0',
    'limit=501',
    'limit=abc',
    'limit=-1',
    'limit=1.5',
    'limit=',
  ]) {
    query(`/api/v1/instances?${q}`, 'limit');
    query(`/api/v1/definitions?${q}`, 'limit');
  }
  for (const cursor of ['!!!', 'eyJ4IjoxfQ', 'W10', 'bm90IGpzb24']) {
    query(`/api/v1/instances?cursor=${cursor}`, 'cursor');
    query(`/api/v1/workers?cursor=${cursor}`, 'cursor');
  }
  query('/api/v1/definitions?cursor=eyJ4IjoxfQ', 'cursor');
  query('/api/v1/templates?cursor=eyJ4IjoxfQ', 'cursor');
  query('/api/v1/instances?state=bogus', 'state');
  query('/api/v1/instances?definitionId=xyz', 'definitionId');
  query('/api/v1/instances?workerId=a%20b', 'workerId');
  query('/api/v1/instances?foo=1', 'foo');
  query('/api/v1/workers?state=asleep', 'state');
  query('/api/v1/definitions?version=1.0', 'version');
  query('/api/v1/definitions?licenseType=GOLD', 'licenseType');
  query('/api/v1/definitions?deprecated=maybe', 'deprecated');
  query('/api/v1/definitions?name=%3Cscript%3E', 'name');
  query('/api/v1/templates?licenseType=personal', 'licenseType');
  query('/api/v1/events/stream?type=bad%20type', 'type');
  query('/api/v1/events/stream?since=1', 'since');

  // ---- path ids: malformed (400), unknown (404), wrong state (409) ----
  const byId = (
    method: BadInputCase['method'],
    path: string,
    status: number,
    type: string,
    as: Caller = 'admin',
  ) => add({ name: `${method} ${path}`, method, path, as, status, type });
  for (const suffix of ['', '/start', '/stop', '/collect']) {
    byId(
      suffix ? 'POST' : 'GET',
      `/api/v1/instances/not-a-uuid${suffix}`,
      400,
      'validation-error',
    );
    byId(
      suffix ? 'POST' : 'GET',
      `/api/v1/instances/${UNKNOWN_ID}${suffix}`,
      404,
      'not-found',
    );
  }
  byId('DELETE', '/api/v1/instances/not-a-uuid', 400, 'validation-error');
  byId('DELETE', `/api/v1/instances/${UNKNOWN_ID}`, 404, 'not-found');
  for (const action of ['stop', 'start', 'collect'])
    byId(
      'POST',
      `/api/v1/instances/${fx.pendingInstanceId}/${action}`,
      409,
      'invalid-transition',
      'user',
    );
  byId(
    'POST',
    `/api/v1/instances/${fx.runningInstanceId}/start`,
    409,
    'invalid-transition',
    'user',
  );
  for (const path of ['', '/versions', '/versions/1.0.0']) {
    byId('GET', `/api/v1/definitions/xyz${path}`, 400, 'validation-error');
    byId('GET', `/api/v1/definitions/${UNKNOWN_ID}${path}`, 404, 'not-found');
  }
  byId(
    'GET',
    `/api/v1/definitions/${fx.definitionId}/versions/1.0`,
    400,
    'validation-error',
  );
  byId(
    'GET',
    `/api/v1/definitions/${fx.definitionId}/versions/9.9.9`,
    404,
    'not-found',
  );
  byId('DELETE', '/api/v1/definitions/xyz', 400, 'validation-error');
  byId('DELETE', `/api/v1/definitions/${UNKNOWN_ID}`, 404, 'not-found');
  byId('GET', '/api/v1/templates/xyz', 400, 'validation-error');
  byId('GET', `/api/v1/templates/${UNKNOWN_ID}`, 404, 'not-found');
  byId('DELETE', `/api/v1/templates/${UNKNOWN_ID}`, 404, 'not-found');
  byId('DELETE', `/api/v1/templates/${fx.usedTemplateId}`, 409, 'in-use');
  for (const suffix of ['', '/capacity', '/instances', '/ports']) {
    byId('GET', `/api/v1/workers/bad%20id${suffix}`, 400, 'validation-error');
    byId('GET', `/api/v1/workers/${UNKNOWN_ID}${suffix}`, 404, 'not-found');
  }
  for (const action of [
    'drain',
    'cancel-drain',
    'stop',
    'start',
    'terminate',
    'cordon',
    'uncordon',
  ])
    byId('POST', `/api/v1/workers/${UNKNOWN_ID}/${action}`, 404, 'not-found');
  byId(
    'POST',
    `/api/v1/workers/${fx.workerId}/cancel-drain`,
    409,
    'invalid-transition',
  );
  byId(
    'POST',
    `/api/v1/workers/${fx.workerId}/start`,
    409,
    'invalid-transition',
  );
  byId('GET', '/api/v1/no-such-thing', 404, 'not-found');
  // A method the document does not declare on a known path: 405 (with Allow), not 404 (issue 16).
  byId(
    'PATCH',
    `/api/v1/instances/${fx.pendingInstanceId}`,
    405,
    'method-not-allowed',
  );
  byId('PUT', '/api/v1/instances', 405, 'method-not-allowed');
  byId('DELETE', '/api/v1/workers', 405, 'method-not-allowed');

  // ---- templates and workers ----
  const newTemplate = templateBody({ name: 'bad-input-template' });
  const templateField = (
    field: string,
    value: unknown,
    method: 'POST' | 'PUT' = 'POST',
  ) =>
    add({
      name: `template ${method} ${field} = ${JSON.stringify(value)?.slice(0, 30)}`,
      method,
      path:
        method === 'POST'
          ? '/api/v1/templates'
          : `/api/v1/templates/${fx.templateId}`,
      as: 'admin',
      body:
        method === 'POST'
          ? { ...newTemplate, [field]: value }
          : { [field]: value },
      status: 400,
      type: 'validation-error',
      field,
    });
  for (const field of [
    'name',
    'instanceType',
    'capacity',
    'licenseType',
    'maxNodes',
    'amiPattern',
    'region',
    'startupTimeMinutes',
    'portRange',
  ]) {
    const { [field]: _dropped, ...rest } = newTemplate;
    add({
      name: `template without ${field}`,
      method: 'POST',
      path: '/api/v1/templates',
      as: 'admin',
      body: rest,
      status: 400,
      type: 'validation-error',
      field,
    });
  }
  for (const [field, value] of [
    ['name', 'bad name'],
    ['capacity', 'big'],
    ['capacity', { cpuCores: 0, memoryGb: 1, storageGb: 1 }],
    ['licenseType', 'GOLD'],
    ['maxNodes', 0],
    ['region', 'US East'],
    ['portRange', { start: 80, end: 90 }],
    ['portRange', { start: 2000, end: 70000 }],
    ['tags', 'x'],
    ['startupTimeMinutes', '20'],
    ['drainTimeoutHours', -1],
    ['isSeeded', true],
    ['ec2', 'x'],
    ['ec2', { amiId: 'ami-xyz' }],
    ['ec2', { subnetIds: ['sg-0123456789abcdef0'] }],
    ['ec2', { rootVolumeGb: 4 }],
    ['ec2', { userData: 'x'.repeat(17 * 1024) }],
  ] as const) {
    templateField(field, value);
  }
  for (const [field, value] of [
    ['capacity', 'x'],
    ['maxNodes', -1],
    ['ec2', { securityGroupIds: [] }],
    ['id', 'x'],
    ['createdAt', 'now'],
  ] as const)
    templateField(field, value, 'PUT');
  add({
    name: 'template with a taken name',
    method: 'POST',
    path: '/api/v1/templates',
    as: 'admin',
    body: templateBody(),
    status: 409,
    type: 'duplicate',
  });
  add({
    name: 'template PUT renaming it',
    method: 'PUT',
    path: `/api/v1/templates/${fx.templateId}`,
    as: 'admin',
    body: { name: 'renamed' },
    status: 422,
    type: 'unprocessable',
    field: 'name',
  });
  add({
    name: 'template PUT reversing its port range',
    method: 'PUT',
    path: `/api/v1/templates/${fx.templateId}`,
    as: 'admin',
    body: { portRange: { start: 3000, end: 2000 } },
    status: 422,
    type: 'unprocessable',
  });
  add({
    name: 'template PUT of an unknown id',
    method: 'PUT',
    path: `/api/v1/templates/${UNKNOWN_ID}`,
    as: 'admin',
    body: { description: 'x' },
    status: 404,
    type: 'not-found',
  });
  add({
    name: 'template PERSONAL with 50 nodes',
    method: 'POST',
    path: '/api/v1/templates',
    as: 'admin',
    body: { ...newTemplate, maxNodes: 50 },
    status: 422,
    type: 'unprocessable',
  });
  for (const body of [
    {},
    { templateName: 5 },
    { templateName: 'bad name' },
    { templateName: 'personal-standard', name: 'bad name' },
    { templateName: 'personal-standard', region: 'x' },
  ]) {
    add({
      name: `worker POST ${JSON.stringify(body)}`,
      method: 'POST',
      path: '/api/v1/workers',
      as: 'admin',
      body,
      status: 400,
      type: 'validation-error',
    });
  }
  add({
    name: 'worker from an unknown template',
    method: 'POST',
    path: '/api/v1/workers',
    as: 'admin',
    body: { templateName: 'no-such-template' },
    status: 422,
    type: 'unprocessable',
    field: 'templateName',
  });

  // ---- CloudEvents in ----
  const event = (overrides: Record<string, unknown> = {}) => ({
    specversion: '1.0',
    id: randomUUID(),
    source: 'assessment-platform',
    type: 'assessment.collection.completed',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      instanceId: fx.runningInstanceId,
      collectionId: 'col-1',
      artifactsUri: 's3://a/b',
    },
    ...overrides,
  });
  const structured = (
    name: string,
    body: unknown,
    status: number,
    type: string,
    headers: Record<string, string> = {
      'content-type': 'application/cloudevents+json',
    },
  ) =>
    add({
      name: `event ${name}`,
      method: 'POST',
      path: '/api/v1/events',
      as: 'service',
      raw: typeof body === 'string' ? body : JSON.stringify(body),
      headers,
      status,
      type,
    });
  for (const field of ['id', 'source', 'type', 'specversion']) {
    const { [field]: _dropped, ...rest } = event() as Record<string, unknown>;
    structured(`without ${field}`, rest, 400, 'validation-error');
  }
  structured(
    'with specversion 0.3',
    event({ specversion: '0.3' }),
    400,
    'validation-error',
  );
  structured('with an empty id', event({ id: '' }), 400, 'validation-error');
  structured(
    'with time "yesterday"',
    event({ time: 'yesterday' }),
    400,
    'validation-error',
  );
  structured(
    'with datacontenttype xml',
    event({ datacontenttype: 'application/xml' }),
    400,
    'validation-error',
  );
  structured(
    'with data missing fields',
    event({ data: { instanceId: fx.runningInstanceId } }),
    400,
    'validation-error',
  );
  structured(
    'with data of the wrong types',
    event({ data: { instanceId: 5, collectionId: [], artifactsUri: {} } }),
    400,
    'validation-error',
  );
  structured(
    'with data that is a string',
    event({ data: 'done' }),
    400,
    'validation-error',
  );
  structured(
    'grading with a score that is not numbers',
    event({
      type: 'assessment.grading.completed',
      data: {
        instanceId: fx.runningInstanceId,
        score: { total: 'all', max: 10 },
        passed: true,
      },
    }),
    400,
    'validation-error',
  );
  structured(
    'grading without passed',
    event({
      type: 'assessment.grading.completed',
      data: {
        instanceId: fx.runningInstanceId,
        score: { total: 1, max: 10, breakdown: [] },
      },
    }),
    400,
    'validation-error',
  );
  structured('as a JSON array (batch)', [event()], 400, 'validation-error');
  structured('in batch mode', [event()], 400, 'validation-error', {
    'content-type': 'application/cloudevents-batch+json',
  });
  structured('as invalid JSON', '{"specversion":', 400, 'invalid-json');
  structured('with an empty body', '', 400, 'validation-error');
  structured(
    'as plain JSON without ce- headers',
    event(),
    400,
    'validation-error',
    { 'content-type': 'application/json' },
  );
  structured('as text', 'hello', 415, 'unsupported-media-type', {
    'content-type': 'text/plain',
  });
  structured(
    'for an unknown instance',
    event({
      data: {
        instanceId: UNKNOWN_ID,
        collectionId: 'c',
        artifactsUri: 's3://x',
      },
    }),
    404,
    'not-found',
  );
  structured(
    'for an instance in the wrong state',
    event(),
    409,
    'invalid-transition',
  );
  structured(
    'grading for an instance that is not grading',
    event({
      type: 'assessment.grading.completed',
      data: {
        instanceId: fx.runningInstanceId,
        score: { total: 1, max: 10, breakdown: [] },
        passed: false,
      },
    }),
    409,
    'invalid-transition',
  );
  const binary = (
    name: string,
    headers: Record<string, string>,
    body: unknown,
    status: number,
    type: string,
  ) =>
    add({
      name: `binary event ${name}`,
      method: 'POST',
      path: '/api/v1/events',
      as: 'service',
      headers: { 'content-type': 'application/json', ...headers },
      raw: JSON.stringify(body),
      status,
      type,
    });
  const ce = {
    'ce-specversion': '1.0',
    'ce-id': 'b-1',
    'ce-source': 'grading-engine',
    'ce-type': 'assessment.grading.completed',
  };
  const grading = {
    instanceId: fx.runningInstanceId,
    score: { total: 1, max: 2, breakdown: [] },
    passed: true,
  };
  for (const header of Object.keys(ce)) {
    const { [header as keyof typeof ce]: _dropped, ...rest } = ce;
    binary(`without ${header}`, rest, grading, 400, 'validation-error');
  }
  binary(
    'with ce-specversion 2.0',
    { ...ce, 'ce-specversion': '2.0' },
    grading,
    400,
    'validation-error',
  );
  binary(
    'with a bad ce-time',
    { ...ce, 'ce-time': 'noon' },
    grading,
    400,
    'validation-error',
  );
  binary(
    'with ce-datacontenttype',
    { ...ce, 'ce-datacontenttype': 'application/json' },
    grading,
    400,
    'validation-error',
  );
  binary(
    'with data that does not match',
    ce,
    { instanceId: fx.runningInstanceId },
    400,
    'validation-error',
  );
  binary('for an instance not grading', ce, grading, 409, 'invalid-transition');

  // ---- body shape: on every route that takes a body, a body nested 5,000 levels deep, and prototype
  // keys (top level and nested), are refused with 400 before validation, even where the rest is valid ----
  const withKey = (body: unknown, key: string, nestedIn?: string): string => {
    const copy = structuredClone(body) as Record<string, unknown>;
    const text = JSON.stringify(
      nestedIn === undefined
        ? copy
        : {
            ...copy,
            [nestedIn]: { ...(copy[nestedIn] as object), '<key>': 1 },
          },
    );
    if (nestedIn !== undefined)
      return text.replace('"<key>"', JSON.stringify(key));
    return `{"${key}":{"polluted":true}${text === '{}' ? '' : ','}${text.slice(1)}`;
  };
  const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
  const bodyRoutes: {
    method: 'POST' | 'PUT';
    path: string;
    as: Caller;
    body: Record<string, unknown>;
    contentType?: string;
    nested?: string;
  }[] = [
    {
      method: 'POST',
      path: '/api/v1/definitions',
      as: 'admin',
      body: newDefinition,
      nested: 'resourceRequirements',
    },
    {
      method: 'POST',
      path: '/api/v1/instances',
      as: 'user',
      body: instanceBody(),
    },
    {
      method: 'POST',
      path: '/api/v1/templates',
      as: 'admin',
      body: newTemplate,
      nested: 'capacity',
    },
    {
      method: 'PUT',
      path: `/api/v1/templates/${fx.templateId}`,
      as: 'admin',
      body: { description: 'patched' },
    },
    {
      method: 'POST',
      path: '/api/v1/workers',
      as: 'admin',
      body: { templateName: 'personal-standard' },
    },
    {
      method: 'POST',
      path: '/api/v1/events',
      as: 'service',
      body: { ...event(), id: 'shape-1' },
      contentType: 'application/cloudevents+json',
      nested: 'data',
    },
    ...['stop', 'collect'].map((action) => ({
      method: 'POST' as const,
      path: `/api/v1/instances/${fx.runningInstanceId}/${action}`,
      as: 'user' as Caller,
      body: {},
    })),
    ...['cordon', 'drain', 'stop'].map((action) => ({
      method: 'POST' as const,
      path: `/api/v1/workers/${fx.workerId}/${action}`,
      as: 'admin' as Caller,
      body: {},
    })),
  ];
  for (const route of bodyRoutes) {
    const headers = { 'content-type': route.contentType ?? 'application/json' };
    const shape = (name: string, raw: string, field?: string) =>
      add({
        name: `${route.method} ${route.path} ${name}`,
        method: route.method,
        path: route.path,
        as: route.as,
        raw,
        headers,
        status: 400,
        type: 'validation-error',
        field,
      });
    shape('nested 5,000 levels deep', deep);
    shape('nested 65 levels deep', `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`);
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      shape(`with a top-level ${key} key`, withKey(route.body, key), key);
      if (route.nested)
        shape(
          `with a ${key} key in ${route.nested}`,
          withKey(route.body, key, route.nested),
          `${route.nested}.${key}`,
        );
    }
  }

  // ---- the event stream ----
  for (const id of ['abc', '-1', '1.5', '9'.repeat(20)])
    add({
      name: `event stream with Last-Event-ID ${id}`,
      method: 'GET',
      path: '/api/v1/events/stream',
      as: 'viewer',
      headers: { 'last-event-id': id },
      status: 400,
      type: 'validation-error',
    });

  return cases;
}

/** Fixture ids as markers, so the table (and its test names) exist before the fixtures do. */
export const FIXTURE_MARKERS: Fixtures = {
  definitionId: '<definitionId>',
  definitionName: '<definitionName>',
  templateId: '<templateId>',
  usedTemplateId: '<usedTemplateId>',
  pendingInstanceId: '<pendingInstanceId>',
  runningInstanceId: '<runningInstanceId>',
  workerId: '<workerId>',
};

/** The case with the real fixture ids in place of the markers. */
export function resolveCase(c: BadInputCase, fx: Fixtures): BadInputCase {
  const replace = (text: string): string =>
    text.replace(/<(\w+)>/g, (marker, key: string) =>
      key in fx ? fx[key as keyof Fixtures] : marker,
    );
  return {
    ...c,
    path: replace(c.path),
    ...(c.body !== undefined
      ? { body: JSON.parse(replace(JSON.stringify(c.body))) as unknown }
      : {}),
    ...(typeof c.raw === 'string' ? { raw: replace(c.raw) } : {}),
    ...(c.headers
      ? {
          headers: Object.fromEntries(
            Object.entries(c.headers).map(([k, v]) => [k, replace(v)]),
          ),
        }
      : {}),
  };
}
