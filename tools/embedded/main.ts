/**
 * The embedded all-in-one LCM: the four apps' modules in one Node process, each on its own port,
 * sharing one SQLite database in the data directory (LCM_DATA_DIR): the state store, the document
 * store and the simulated fleet, so a crash at any instant leaves them consistent with each other
 * and loses no acknowledged write. With ETCD_ENDPOINTS and MONGODB_URI set, the same command runs
 * the four apps on those servers instead. SIGINT or SIGTERM closes every app cleanly.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SqliteDocStore } from '@lcm/doc-store';
import { createSimulatedFleet, SqliteFleetState } from '@lcm/providers';
import {
  AuthConfig,
  EnvReader,
  issueToken,
  PlatformConfig,
  readPlatformConfig,
  startService,
} from '@lcm/runtime';
import {
  openSqliteDatabase,
  SqliteDatabase,
  SqliteStateStore,
} from '@lcm/state-store';
import { ApiModule, configureApi, loadApiConfig } from '../../apps/api/src';
import {
  AuditSinkModule,
  loadAuditSinkConfig,
} from '../../apps/audit-sink/src';
import {
  ControllerConfig,
  ControllerModule,
  loadControllerConfig,
} from '../../apps/controller/src';
import { loadSchedulerConfig, SchedulerModule } from '../../apps/scheduler/src';

interface Stores {
  platform: PlatformConfig;
  description: string;
  /** The embedded database, when the stores are embedded (the simulated fleet is kept there too). */
  database?: SqliteDatabase;
  close(): Promise<void>;
}

async function openStores(
  env: NodeJS.ProcessEnv,
  dataDir: string,
): Promise<Stores> {
  if (env['ETCD_ENDPOINTS'] && env['MONGODB_URI']) {
    const platform = new EnvReader(env).done(
      readPlatformConfig(new EnvReader(env), { docs: true }),
    );
    return {
      platform,
      description: `etcd ${env['ETCD_ENDPOINTS']}, MongoDB ${redact(env['MONGODB_URI'])}`,
      close: async () => undefined,
    };
  }
  const path = join(dataDir, 'lcm.db');
  const legacy = ['state.json', 'doc-store', 'simulated-fleet.json'].filter(
    (name) => existsSync(join(dataDir, name)),
  );
  if (legacy.length > 0) {
    process.stderr.write(
      `LCM: ${dataDir} holds files of the earlier JSON persistence (${legacy.join(', ')}); they are not read: the embedded stores now live in ${path}\n`,
    );
  }
  const database = openSqliteDatabase(path);
  const state = new SqliteStateStore({ database });
  const docs = await SqliteDocStore.open({ database });
  const revision = await state.revision();
  return {
    platform: {
      state: {
        driver: 'shared',
        prefix: env['ETCD_PREFIX'] ?? '/lcm',
        store: state,
      },
      docs: { driver: 'shared', store: docs },
    },
    description: `SQLite ${path}${revision > 1 ? ` (at revision ${revision})` : ' (new)'}`,
    database,
    close: async () => {
      await state.close();
      await docs.close();
      database.close();
    },
  };
}

/**
 * The secret admin tokens are signed with: AUTH_JWT_SECRET, else the one kept in the data directory
 * (created on first start, readable by its owner only), so tokens printed earlier survive restarts.
 */
function adminSecret(env: NodeJS.ProcessEnv, dataDir: string): string {
  if (env['AUTH_JWT_SECRET']) return env['AUTH_JWT_SECRET'];
  const path = join(dataDir, 'admin-secret');
  if (!existsSync(path)) {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < 32)
    throw new Error(
      `${path} holds no usable secret (remove it to have a new one made; earlier tokens then stop working)`,
    );
  return secret;
}

/**
 * The controller's data plane. The default in-process simulated fleet lives in the embedded database
 * beside the state store; any other (PROVIDER=http, ...) is as configured.
 */
function controllerConfig(
  env: NodeJS.ProcessEnv,
  platform: PlatformConfig,
  database: SqliteDatabase | undefined,
): { config: ControllerConfig; close?: () => void } {
  const configured = loadControllerConfig(env, { platform, embedded: true });
  if (configured.dataPlane.kind !== 'simulated' || !database)
    return { config: configured };
  const { profile, seed } = configured.dataPlane;
  const state = new SqliteFleetState(database);
  const snapshot = state.load();
  const fleet = createSimulatedFleet({ profile, seed, snapshot });
  state.attach(fleet);
  const description = `simulated in-process (${profile}, kept in the embedded database${snapshot ? `, restored ${snapshot.vms.length} VMs` : ''})`;
  return {
    config: loadControllerConfig(env, {
      embedded: true,
      platform,
      dataPlane: {
        provider: fleet.provider,
        runtime: fleet.runtime,
        description,
      },
    }),
  };
}

/** Registers the sample lab through the api (idempotent: an unchanged YAML creates no new version). */
async function registerSampleDefinition(
  apiUrl: string,
  token: string,
): Promise<void> {
  const labYaml = readFileSync(
    join(__dirname, 'sample/devasc-lab.yaml'),
    'utf8',
  );
  const body = {
    name: 'devasc-lab-2-5-1',
    labYaml,
    resourceRequirements: {
      cpuCores: 4,
      memoryGb: 8,
      storageGb: 50,
      nestedVirt: true,
    },
    licenseAffinity: ['PERSONAL', 'ENTERPRISE'],
    nodeCount: 2,
    portTemplate: {
      ports: [
        { name: 'serial_1', protocol: 'tcp' },
        { name: 'serial_2', protocol: 'tcp' },
        { name: 'vnc_1', protocol: 'tcp' },
      ],
    },
    maxDurationMinutes: 120,
  };
  const res = await fetch(`${apiUrl}/api/v1/definitions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  if (!res.ok)
    process.stderr.write(
      `sample definition not registered: ${res.status} ${await res.text()}\n`,
    );
}

function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]+@/, '//***@');
}

async function main(): Promise<void> {
  // One process, four apps: PORT would give them all the same port, so only <APP>_PORT applies here.
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: undefined };
  const dataDir = resolve(env['LCM_DATA_DIR'] ?? '.lcm-data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const stores = await openStores(env, dataDir);
  const platform = stores.platform;
  const secret = adminSecret(env, dataDir);
  const auth: AuthConfig = {
    algorithm: 'HS256',
    secret,
    rolesClaim: 'roles',
    issuer: env['AUTH_ISSUER'],
    audience: env['AUTH_AUDIENCE'],
  };
  const scheduler = loadSchedulerConfig(env, { platform });
  const controller = controllerConfig(env, platform, stores.database).config;
  const auditSink = loadAuditSinkConfig(env, { platform, auth });

  const apps: { name: string; app: INestApplication; url: string }[] = [];
  const start = async (
    name: string,
    module: Parameters<typeof startService>[0],
    config: { port: number; host: string; logLevel: typeof auditSink.logLevel },
    configure?: (app: NestExpressApplication) => void,
  ) => {
    const { app, url } = await startService(module, {
      service: name,
      port: config.port,
      host: config.host,
      logLevel: config.logLevel,
      shutdownHooks: false,
      configure,
    });
    apps.push({ name, app, url });
  };

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nLCM: ${signal}, stopping ${apps.length} apps...\n`);
    // Every write was acknowledged only after its commit: exiting before the apps closed loses nothing.
    setTimeout(() => process.exit(1), 15_000).unref();
    // Reverse order: the controller and scheduler, then the api, then the audit-sink, which records the last events.
    for (const { app } of [...apps].reverse()) await app.close();
    await stores.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT received'));
  process.on('SIGTERM', () => void stop('SIGTERM received'));
  process.on('SIGHUP', () => void stop('SIGHUP received'));
  watchParent(stop);

  // The audit-sink first: the api answers audit searches through it (AUDIT_SINK_URL), and it stops last.
  await start('audit-sink', AuditSinkModule.forRoot(auditSink), auditSink);
  const api = loadApiConfig(
    { AUDIT_SINK_URL: apps[0].url, ...env },
    { platform, auth },
  );
  await start('api', ApiModule.forRoot(api), api, configureApi);
  await start('scheduler', SchedulerModule.forRoot(scheduler), scheduler);
  await start('controller', ControllerModule.forRoot(controller), controller);

  const apiUrl = apps[1].url;
  const token = await issueToken(
    secret,
    { subject: 'admin', roles: ['admin'] },
    { ttlSeconds: 7 * 24 * 3600, issuer: auth.issuer, audience: auth.audience },
  );
  await registerSampleDefinition(apiUrl, token);
  const lines = apps.map(
    ({ name, url }) => `  ${name.padEnd(11)} ${url}  (${url}/healthz)`,
  );
  process.stdout.write(
    `\nLCM is running (embedded, one process, pid ${process.pid}; ${stores.description}):\n${lines.join('\n')}\n\n` +
      `  API           ${apiUrl}/api/v1\n  Console       ${apiUrl}/console/\n  OpenAPI       ${apiUrl}/api/docs\n  Admin token   ${token}\n  Data          ${dataDir}\n\n` +
      `  curl -H "Authorization: Bearer $TOKEN" ${apiUrl}/api/v1/definitions\nPress Ctrl-C to stop.\n\n`,
  );
}

/**
 * `npm start` runs this process under npm and a shell; a SIGTERM to npm ends npm and the shell but
 * does not reach this process. With LCM_STOP_WITH_PARENT=1 (tools/embedded/run.sh sets it) LCM stops
 * as soon as the process that started it is gone (it is re-parented), as if it had been signalled.
 */
function watchParent(stop: (why: string) => Promise<void>): void {
  if (process.env['LCM_STOP_WITH_PARENT'] !== '1') return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    void stop(`parent process ${parent} exited`);
  }, 200);
  timer.unref();
}

main().catch((error: unknown) => {
  console.error(
    'LCM failed to start:',
    error instanceof Error ? error.message : error,
  );
  process.exit(1);
});
