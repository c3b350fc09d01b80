/**
 * The embedded all-in-one LCM: the four apps' modules in one Node process, each on its own port,
 * sharing in-process stores (memory state store, memory doc store) persisted to a data directory so
 * a restart continues where it stopped. With ETCD_ENDPOINTS and MONGODB_URI set, the same command
 * runs the four apps on those servers instead. Ctrl-C (or SIGTERM) closes every app cleanly.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MemoryDocStore } from '@lcm/doc-store';
import { AuthConfig, EnvReader, issueToken, PlatformConfig, readPlatformConfig, startService } from '@lcm/runtime';
import { MemoryStateStore, MemoryStoreSnapshot } from '@lcm/state-store';
import { ApiModule } from '../../apps/api/src/app/api.module';
import { loadApiConfig } from '../../apps/api/src/config';
import { configureApi } from '../../apps/api/src/app/start-api';
import { AuditSinkModule } from '../../apps/audit-sink/src/app/audit-sink.module';
import { loadAuditSinkConfig } from '../../apps/audit-sink/src/config';
import { ControllerModule } from '../../apps/controller/src/app/controller.module';
import { loadControllerConfig } from '../../apps/controller/src/config';
import { SchedulerModule } from '../../apps/scheduler/src/app/scheduler.module';
import { loadSchedulerConfig } from '../../apps/scheduler/src/config';

interface Stores {
  platform: PlatformConfig;
  description: string;
  /** Saves what must survive a restart; called periodically and at shutdown. */
  persist(): void;
  close(): Promise<void>;
}

async function openStores(env: NodeJS.ProcessEnv): Promise<Stores> {
  if (env['ETCD_ENDPOINTS'] && env['MONGODB_URI']) {
    const platform = new EnvReader(env).done(readPlatformConfig(new EnvReader(env), { docs: true }));
    return { platform, description: `etcd ${env['ETCD_ENDPOINTS']}, MongoDB ${redact(env['MONGODB_URI'])}`, persist: () => undefined, close: async () => undefined };
  }
  const dataDir = resolve(env['LCM_DATA_DIR'] ?? '.lcm-data');
  mkdirSync(dataDir, { recursive: true });
  const statePath = join(dataDir, 'state.json');
  const snapshot = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as MemoryStoreSnapshot) : undefined;
  const state = new MemoryStateStore(snapshot);
  const docs = await MemoryDocStore.open({ dataDir });
  let saved = snapshot?.revision ?? 0;
  const persist = () => {
    const current = state.snapshot();
    if (current.revision === saved) return;
    writeFileSync(`${statePath}.tmp`, JSON.stringify(current));
    renameSync(`${statePath}.tmp`, statePath);
    saved = current.revision;
  };
  return {
    platform: { state: { driver: 'shared', prefix: env['ETCD_PREFIX'] ?? '/lcm', store: state }, docs: { driver: 'shared', store: docs } },
    description: `in-process stores, data in ${dataDir}${snapshot ? ` (restored at revision ${snapshot.revision})` : ''}`,
    persist,
    close: async () => {
      persist();
      await state.close();
      await docs.close();
    },
  };
}

/** Registers the sample lab through the api (idempotent: an unchanged YAML creates no new version). */
async function registerSampleDefinition(apiUrl: string, token: string): Promise<void> {
  const labYaml = readFileSync(join(__dirname, 'sample/devasc-lab.yaml'), 'utf8');
  const body = {
    name: 'devasc-lab-2-5-1',
    labYaml,
    resourceRequirements: { cpuCores: 4, memoryGb: 8, storageGb: 50, nestedVirt: true },
    licenseAffinity: ['PERSONAL', 'ENTERPRISE'],
    nodeCount: 2,
    portTemplate: { ports: [{ name: 'serial_1', protocol: 'tcp' }, { name: 'serial_2', protocol: 'tcp' }, { name: 'vnc_1', protocol: 'tcp' }] },
    maxDurationMinutes: 120,
  };
  const res = await fetch(`${apiUrl}/api/v1/definitions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) process.stderr.write(`sample definition not registered: ${res.status} ${await res.text()}\n`);
}

function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]+@/, '//***@');
}

async function main(): Promise<void> {
  // One process, four apps: PORT would give them all the same port, so only <APP>_PORT applies here.
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: undefined };
  const stores = await openStores(env);
  const platform = stores.platform;
  // Identity: AUTH_JWT_SECRET if given, else a fresh secret for this run; an admin token is printed.
  const secret = env['AUTH_JWT_SECRET'] ?? randomBytes(32).toString('hex');
  const auth: AuthConfig = { algorithm: 'HS256', secret, rolesClaim: 'roles', issuer: env['AUTH_ISSUER'], audience: env['AUTH_AUDIENCE'] };
  const api = loadApiConfig(env, { platform, auth });
  const scheduler = loadSchedulerConfig(env, { platform });
  // The controller drives an in-process simulated fleet (SIM_PROFILE, fast by default) kept in the data
  // directory next to the stores.
  const controller = loadControllerConfig({ SIM_STATE_FILE: resolve(process.env['LCM_DATA_DIR'] ?? '.lcm-data', 'simulated-fleet.json'), ...env }, { platform, embedded: true });
  const auditSink = loadAuditSinkConfig(env, { platform, auth });

  const apps: { name: string; app: INestApplication; url: string }[] = [];
  const start = async (name: string, module: Parameters<typeof startService>[0], config: { port: number; host: string; logLevel: typeof api.logLevel }, configure?: (app: NestExpressApplication) => void) => {
    const { app, url } = await startService(module, { service: name, port: config.port, host: config.host, logLevel: config.logLevel, shutdownHooks: false, configure });
    apps.push({ name, app, url });
  };

  const persistTimer = setInterval(() => stores.persist(), 1000);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(persistTimer);
    process.stdout.write(`\nLCM: ${signal} received, stopping ${apps.length} apps...\n`);
    // Reverse order: consumers and writers stop before the api that feeds them.
    for (const { app } of [...apps].reverse()) await app.close();
    await stores.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await start('api', ApiModule.forRoot(api), api, configureApi);
  await start('scheduler', SchedulerModule.forRoot(scheduler), scheduler);
  await start('controller', ControllerModule.forRoot(controller), controller);
  await start('audit-sink', AuditSinkModule.forRoot(auditSink), auditSink);

  const apiUrl = apps[0].url;
  const token = await issueToken(secret, { subject: 'admin', roles: ['admin'] }, { ttlSeconds: 7 * 24 * 3600, issuer: auth.issuer, audience: auth.audience });
  await registerSampleDefinition(apiUrl, token);
  const lines = apps.map(({ name, url }) => `  ${name.padEnd(11)} ${url}  (${url}/healthz)`);
  process.stdout.write(
    `\nLCM is running (embedded, one process; ${stores.description}):\n${lines.join('\n')}\n\n` +
      `  API           ${apiUrl}/api/v1\n  OpenAPI       ${apiUrl}/api/docs\n  Admin token   ${token}\n\n` +
      `  curl -H "Authorization: Bearer $TOKEN" ${apiUrl}/api/v1/definitions\nPress Ctrl-C to stop.\n\n`,
  );
}

main().catch((error: unknown) => {
  console.error('LCM failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
