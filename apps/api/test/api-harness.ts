// Starts the api for tests: startService + OpenAPI (startApi's configuration) on port 0, on memory
// stores shared with the test (or real ones handed in), tokens from issueToken. Also plays the
// scheduler and controller where a test needs an instance or worker in a later state.
import {
  createWorker,
  markInstanceRunning,
  markWorkerRunning,
  scheduleInstance,
  startCollection,
  startInstantiation,
  startProvisioning,
  startGrading,
  TransitionContext,
} from '@lcm/domain';
import { DOC_STORE, DocStore, MemoryDocStore } from '@lcm/doc-store';
import { toOutboxEvents } from '@lcm/events';
import {
  issueToken,
  PlatformConfig,
  Role,
  STATE_STORE,
  startService,
} from '@lcm/runtime';
import {
  InstanceStore,
  KeyLayout,
  MemoryStateStore,
  OutboxEvent,
  StateStore,
  WorkerStore,
} from '@lcm/state-store';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { ApiModule } from '../src/app/api.module';
import { configureApi } from '../src/app/start-api';
import { ApiConfig, loadApiConfig } from '../src/config';

export { openStream, type SseClient, type SseMessage } from '@lcm/testing';

export const SECRET = 'api-test-secret-that-is-long-enough-0123456789';
export const PREFIX = '/lcm';

export interface StartOptions {
  env?: Record<string, string>;
  state?: StateStore;
  docs?: DocStore;
  prefix?: string;
  /** Use the app's normal config from `env` (etcd/mongo settings) instead of shared stores. */
  platformFromEnv?: boolean;
}

export interface ApiHarness {
  url: string;
  app: NestExpressApplication;
  config: ApiConfig;
  state: StateStore;
  docs: DocStore;
  keys: KeyLayout;
  instances: InstanceStore;
  workers: WorkerStore;
  token(roles: Role | Role[], subject?: string): Promise<string>;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  close(): Promise<void>;
}

export interface CallOptions {
  token?: string;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test replies are inspected freely
}

export async function startTestApi(
  options: StartOptions = {},
): Promise<ApiHarness> {
  const env = {
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...options.env,
  };
  const ownState = options.state === undefined && !options.platformFromEnv;
  const ownDocs = options.docs === undefined && !options.platformFromEnv;
  const state =
    options.state ??
    (options.platformFromEnv ? undefined : new MemoryStateStore());
  const docs =
    options.docs ??
    (options.platformFromEnv ? undefined : await MemoryDocStore.open());
  const prefix = options.prefix ?? PREFIX;
  const platform: PlatformConfig | undefined =
    state && docs
      ? {
          state: { driver: 'shared', prefix, store: state },
          docs: { driver: 'shared', store: docs },
        }
      : undefined;
  const config = loadApiConfig(env, {
    ...(platform ? { platform } : {}),
    auth: { algorithm: 'HS256', secret: SECRET, rolesClaim: 'roles' },
  });
  const { app, url } = await startService(ApiModule.forRoot(config), {
    service: 'api',
    port: 0,
    host: '127.0.0.1',
    logLevel: config.logLevel,
    configure: configureApi,
    shutdownHooks: false,
  });
  const appState = state ?? app.get<StateStore>(STATE_STORE);
  const appDocs = docs ?? app.get<DocStore>(DOC_STORE);
  const keys = new KeyLayout(config.platform.state.prefix);
  let closed = false;
  return {
    url,
    app,
    config,
    state: appState,
    docs: appDocs,
    keys,
    instances: new InstanceStore(appState, keys),
    workers: new WorkerStore(appState, keys),
    token: (roles, subject) =>
      issueToken(SECRET, {
        subject: subject ?? `${[roles].flat().join('+')}-1`,
        roles: [roles].flat(),
      }),
    call: (method, path, callOptions = {}) =>
      call(url, method, path, callOptions),
    close: async () => {
      if (closed) return;
      closed = true;
      // Streams end first (onModuleDestroy); a connection a client opened but never used would
      // then hold the server's close until the client's keep-alive timeout.
      const server = app.getHttpServer();
      const sweep = setTimeout(() => server.closeAllConnections(), 200);
      await app.close();
      clearTimeout(sweep);
      if (ownState) await appState.close();
      if (ownDocs) await appDocs.close();
    },
  };
}

export async function call(
  url: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | Buffer | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${url}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

// ---- fixtures ----------------------------------------------------------------------------------

export const LAB_YAML = [
  'lab:',
  '  title: devasc',
  'nodes:',
  '  - id: n0',
  '    label: desktop',
  '    tags: ["serial:${PORT_SERIAL_1}", "vnc:${PORT_VNC_1}"]',
  '',
].join('\n');

export function definitionBody(
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: 'devasc-lab',
    description: 'DevNet Associate practice lab',
    labYaml: LAB_YAML,
    resourceRequirements: {
      cpuCores: 4,
      memoryGb: 8,
      storageGb: 50,
      nestedVirt: true,
    },
    licenseAffinity: ['PERSONAL'],
    nodeCount: 2,
    portTemplate: {
      ports: [
        { name: 'serial_1', protocol: 'tcp' },
        { name: 'vnc_1', protocol: 'tcp' },
      ],
    },
    maxDurationMinutes: 120,
    ...overrides,
  };
}

export function templateBody(
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: 'small-personal',
    instanceType: 'm5.large',
    capacity: { cpuCores: 8, memoryGb: 32, storageGb: 100 },
    licenseType: 'PERSONAL',
    maxNodes: 20,
    amiPattern: 'CML-2.9.*',
    region: 'us-east-1',
    startupTimeMinutes: 20,
    portRange: { start: 2000, end: 2999 },
    ...overrides,
  };
}

/** A timeslot starting `startInMinutes` from now and lasting `minutes`. */
export function timeslot(
  startInMinutes = 0,
  minutes = 60,
): { timeslotStart: string; timeslotEnd: string } {
  const start = Date.now() + startInMinutes * 60_000;
  return {
    timeslotStart: new Date(start).toISOString(),
    timeslotEnd: new Date(start + minutes * 60_000).toISOString(),
  };
}

const ctx = (triggeredBy: string): TransitionContext => ({
  now: new Date().toISOString(),
  triggeredBy,
});

/** A running worker written as the controller would (pending -> provisioning -> running). */
export async function addRunningWorker(
  h: Pick<ApiHarness, 'workers'>,
  options: { id?: string; templateName?: string } = {},
): Promise<string> {
  const id = options.id ?? randomUUID();
  const created = createWorker(
    {
      id,
      name: `worker-${id.slice(0, 8)}`,
      templateName: options.templateName ?? 'personal-standard',
      licenseType: 'PERSONAL',
      region: 'us-east-1',
      portRange: { start: 2000, end: 2099 },
      declaredCapacity: {
        cpuCores: 48,
        memoryGb: 192,
        storageGb: 500,
        maxNodes: 20,
      },
      drainTimeoutHours: 4,
      startupTimeMinutes: 20,
    },
    ctx('lcm/controller'),
  );
  await h.workers.commit(
    created,
    { worker: 'absent' },
    { events: toOutboxEvents(created.events, 'lcm/controller') },
  );
  let view = await h.workers.require(id);
  const provisioning = startProvisioning(
    view.worker.value,
    { providerInstanceId: `sim-${id}`, amiName: 'CML-2.9.1' },
    ctx('lcm/controller'),
  );
  await h.workers.commit(
    provisioning,
    { worker: view.worker.revision },
    { events: toOutboxEvents(provisioning.events, 'lcm/controller') },
  );
  view = await h.workers.require(id);
  const running = markWorkerRunning(
    view.worker.value,
    { hostname: `${id.slice(0, 8)}.sim` },
    ctx('lcm/controller'),
  );
  await h.workers.commit(
    running,
    { worker: view.worker.revision },
    { events: toOutboxEvents(running.events, 'lcm/controller') },
  );
  return id;
}

export type DrivenState =
  | 'scheduled'
  | 'instantiating'
  | 'running'
  | 'collecting'
  | 'grading';

/** Moves an instance forward (from pending or a driven state) as the scheduler and controller would. */
export async function driveInstance(
  h: Pick<ApiHarness, 'instances' | 'workers'>,
  instanceId: string,
  workerId: string,
  to: DrivenState,
): Promise<void> {
  const order: DrivenState[] = [
    'scheduled',
    'instantiating',
    'running',
    'collecting',
    'grading',
  ];
  const from = (await h.instances.require(instanceId)).value.state;
  for (const step of order.slice(
    order.indexOf(from as DrivenState) + 1,
    order.indexOf(to) + 1,
  )) {
    const current = await h.instances.require(instanceId);
    if (step === 'scheduled') {
      const worker = await h.workers.require(workerId);
      const change = scheduleInstance(
        current.value,
        {
          worker: worker.worker.value,
          capacity: worker.capacity.value,
          ports: worker.ports.value,
        },
        ctx('lcm/scheduler'),
      );
      await h.instances.commit(
        change,
        {
          instance: current.revision,
          capacity: worker.capacity.revision,
          ports: worker.ports.revision,
        },
        { events: toOutboxEvents(change.events, 'lcm/scheduler') },
      );
      continue;
    }
    const change =
      step === 'instantiating'
        ? startInstantiation(current.value, ctx('lcm/controller'))
        : step === 'running'
          ? markInstanceRunning(
              current.value,
              { workerHostname: 'w.sim', cmlLabId: 'lab-1' },
              ctx('lcm/controller'),
            )
          : step === 'collecting'
            ? startCollection(
                current.value,
                { collectionReason: 'manual' },
                ctx('lcm/controller'),
              )
            : startGrading(current.value, {}, ctx('lcm/api'));
    await h.instances.commit(
      change,
      { instance: current.revision },
      { events: toOutboxEvents(change.events, 'lcm/controller') },
    );
  }
}

/**
 * Counts that must not move when a request is refused: the api's keys in the state store (how many,
 * and the newest write among them: the store's own revision also counts other tests' writes when
 * suites share one etcd) and every document collection.
 */
export async function snapshotCounts(
  h: Pick<ApiHarness, 'state' | 'docs' | 'keys'>,
): Promise<{
  keys: number;
  revision: number;
  definitions: number;
  templates: number;
  auditEvents: number;
}> {
  const countPages = async (
    list: (
      cursor: string | null,
    ) => Promise<{ items: unknown[]; nextCursor: string | null }>,
  ): Promise<number> => {
    let total = 0;
    let cursor: string | null = null;
    do {
      const page = await list(cursor);
      total += page.items.length;
      cursor = page.nextCursor;
    } while (cursor !== null);
    return total;
  };
  const { kvs } = await h.state.list(`${h.keys.prefix}/`);
  return {
    keys: kvs.length,
    revision: Math.max(0, ...kvs.map((kv) => kv.modRevision)),
    definitions: await countPages((cursor) =>
      h.docs.definitions.list({ limit: 500, cursor }),
    ),
    templates: await countPages((cursor) =>
      h.docs.templates.list({ limit: 500, cursor }),
    ),
    auditEvents: await h.docs.auditEvents.count(),
  };
}

/** The outbox in write order, with each event's revision. */
export async function outboxEvents(
  h: Pick<ApiHarness, 'state' | 'keys'>,
): Promise<(OutboxEvent & { revision: number })[]> {
  const { kvs } = await h.state.list(h.keys.eventsPrefix);
  return kvs
    .sort((a, b) => a.modRevision - b.modRevision || (a.key < b.key ? -1 : 1))
    .map((kv) => ({
      ...(JSON.parse(kv.value) as OutboxEvent),
      revision: kv.modRevision,
    }));
}
