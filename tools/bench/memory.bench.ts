/**
 * The resident memory of each app process (api, scheduler, controller, audit-sink), started as
 * deployed (see app-memory.ts), at BENCH_FLEET_WORKERS (1000) workers / BENCH_FLEET_INSTANCES
 * (10000) instances, beside the same processes on an empty store in the same run, on real etcd and
 * FerretDB (or MongoDB). Goal: under 200 MB each.
 *
 *   BENCH_ONLY=memory npm run bench
 *
 * BENCH_RSS_SETTLE_SECONDS (20): how long the apps load the fleet once they serve.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulatedFleet } from '@lcm/providers';
import { issueToken } from '@lcm/runtime';
import { startEtcd, startMongo } from '@lcm/testing';
import { BENCH_SECRET } from './api-fixture';
import {
  AppMemory,
  appCommand,
  measureAppMemory,
  seedFleet,
} from './app-memory';
import { report } from './bench-report';

const FLEET_WORKERS = Number(process.env['BENCH_FLEET_WORKERS'] ?? 1000);
const FLEET_INSTANCES = Number(process.env['BENCH_FLEET_INSTANCES'] ?? 10_000);
const RSS_SETTLE_MS =
  Number(process.env['BENCH_RSS_SETTLE_SECONDS'] ?? 20) * 1000;

async function main(): Promise<void> {
  const [etcd, mongo] = await Promise.all([startEtcd(), startMongo()]);
  try {
    const run = Date.now().toString(36);
    const memory = await appMemory(etcd.endpoints, mongo.uri, run);
    const fleet = `${FLEET_WORKERS.toLocaleString('en')} workers / ${FLEET_INSTANCES.toLocaleString('en')} instances`;
    report(
      'memory',
      // The ratio is empty-store RSS / fleet RSS (1 = the fleet costs nothing).
      memory.map(({ app, loaded, empty }) => ({
        figure: `RSS ${app}, ${fleet}`,
        value: loaded.rssMb,
        unit: 'MB',
        baseline: `RSS ${app}, empty store`,
        baselineValue: empty.rssMb,
        ratio: empty.rssMb / loaded.rssMb,
        note: `peak ${loaded.peakRssMb.toFixed(0)} MB; goal < 200 MB`,
      })),
      { etcd: etcd.description, mongo: mongo.description, memory },
    );
    process.stdout.write(
      `\nRSS per app process (${fleet}; empty store in the same run)\n  ${'app'.padEnd(12)} ${'fleet MB'.padStart(9)} ${'peak MB'.padStart(9)} ${'empty MB'.padStart(9)}\n`,
    );
    for (const { app: name, loaded, empty } of memory)
      process.stdout.write(
        `  ${name.padEnd(12)} ${loaded.rssMb.toFixed(0).padStart(9)} ${loaded.peakRssMb.toFixed(0).padStart(9)} ${empty.rssMb.toFixed(0).padStart(9)}\n`,
      );
  } finally {
    await Promise.all([etcd.stop(), mongo.stop()]);
  }
}

/** Each app as its own process, on an empty store and then on a seeded fleet (same etcd, same MongoDB). */
async function appMemory(
  endpoints: string[],
  mongoUri: string,
  run: string,
): Promise<{ app: AppMemory['app']; loaded: AppMemory; empty: AppMemory }[]> {
  const root = join(__dirname, '../..');
  const envFor = (name: string): Record<string, string> => {
    const mongoUrl = new URL(mongoUri);
    mongoUrl.pathname = `/bench_${name}_${run}`;
    return {
      ETCD_ENDPOINTS: endpoints.join(','),
      ETCD_PREFIX: `/bench-${name}-${run}`,
      MONGODB_URI: mongoUrl.toString(),
      AUTH_JWT_SECRET: BENCH_SECRET,
      LOG_LEVEL: 'warn',
      PROVIDER: 'simulated',
      LAB_RUNTIME: 'simulated',
    };
  };
  // The api's watch caches load in the background at start; a read waits for them.
  const token = await issueToken(BENCH_SECRET, {
    subject: 'bench-admin',
    roles: ['admin'],
  });
  const warm = async (app: AppMemory['app'], url: string): Promise<void> => {
    if (app !== 'api') return;
    for (const path of [
      '/api/v1/instances?limit=1',
      '/api/v1/workers?limit=1',
    ]) {
      const res = await fetch(`${url}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!res.ok)
        throw new Error(`api ${path}: ${res.status} ${await res.text()}`);
    }
  };
  process.stdout.write(
    `\nmemory: apps on an empty store (${RSS_SETTLE_MS / 1000} s)\n`,
  );
  const command = appCommand(root);
  const empty = await measureAppMemory(
    root,
    command,
    envFor('empty'),
    RSS_SETTLE_MS,
    warm,
  );
  process.stdout.write(
    `memory: seeding ${FLEET_WORKERS} workers / ${FLEET_INSTANCES} instances\n`,
  );
  const seeded = Date.now();
  // The workers' VMs exist in the controller's (in-process, simulated) data plane, handed over as
  // its SIM_STATE_FILE: the controller reconciles a fleet that runs, rather than terminating it.
  const dataPlane = createSimulatedFleet({ profile: 'zero', seed: run });
  await seedFleet(
    endpoints,
    `/bench-fleet-${run}`,
    FLEET_WORKERS,
    FLEET_INSTANCES,
    dataPlane,
  );
  const dir = mkdtempSync(join(tmpdir(), 'lcm-bench-fleet-'));
  const stateFile = join(dir, 'sim-fleet.json');
  writeFileSync(stateFile, JSON.stringify(dataPlane.snapshot()));
  process.stdout.write(
    `memory: seeded in ${((Date.now() - seeded) / 1000).toFixed(0)} s; apps on the fleet (${RSS_SETTLE_MS / 1000} s)\n`,
  );
  const loaded = await measureAppMemory(
    root,
    command,
    { ...envFor('fleet'), SIM_STATE_FILE: stateFile },
    RSS_SETTLE_MS,
    warm,
  ).finally(() => rmSync(dir, { recursive: true, force: true }));
  return loaded.map((l, i) => ({ app: l.app, loaded: l, empty: empty[i] }));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
