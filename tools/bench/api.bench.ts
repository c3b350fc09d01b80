/**
 * The api under load, on real etcd and FerretDB (or MongoDB), through its normal configuration:
 * requests per second and p50/p99 latency of
 *   GET  /api/v1/instances/{id}
 *   GET  /api/v1/instances?limit=50      (over BENCH_INSTANCES instances)
 *   POST /api/v1/instances               (admission: definition, templates, the booking's window
 *                                         against MAX_WORKERS, one etcd transaction; one-hour
 *                                         bookings spread over 80 days of the calendar)
 * each beside GET /healthz of the same app (a NestJS endpoint doing no I/O), measured just before
 * it in the same run. Bearer-token verification (HS256) is part of every api figure. Each
 * measurement also prints the api thread's CPU time per request (the load generator is another
 * thread), and the GET rows note it beside the baseline's: on a machine shared with other jobs
 * req/s swing with their load, CPU per request much less.
 * Then the resident memory of each app process (api, scheduler, controller, audit-sink) at
 * BENCH_FLEET_WORKERS (1000) workers / BENCH_FLEET_INSTANCES (10000) instances, beside the same
 * processes on an empty store in the same run (see app-memory.ts).
 *
 *   BENCH_ONLY=api npm run bench
 *
 * BENCH_SECONDS (10) per measurement, BENCH_CONNECTIONS (32), BENCH_INSTANCES (500),
 * BENCH_RSS_SETTLE_SECONDS (20) for the apps to load the fleet once they serve; BENCH_FLEET_WORKERS=0 skips memory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createSimulatedFleet } from '@lcm/providers';
import { startEtcd, startMongo } from '@lcm/testing';
import { issueToken } from '@lcm/runtime';
import { EtcdStateStore } from '@lcm/state-store';
import {
  BENCH_DEFINITION,
  BENCH_SECRET,
  bookingRequests,
  HOUR_MS,
  reservation,
  startBenchApi,
} from './api-fixture';
import {
  latencyRow,
  report,
  runConcurrent,
  throughputRow,
} from './bench-report';
import {
  AppMemory,
  appCommand,
  measureAppMemory,
  seedFleet,
} from './app-memory';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const INSTANCES = Number(process.env['BENCH_INSTANCES'] ?? 500);
const FLEET_WORKERS = Number(process.env['BENCH_FLEET_WORKERS'] ?? 1000);
const FLEET_INSTANCES = Number(process.env['BENCH_FLEET_INSTANCES'] ?? 10_000);
/** POST books slots on this many consecutive days (within BOOKING_HORIZON_DAYS, 90). */
const CALENDAR_DAYS = 80;
const RSS_SETTLE_MS =
  Number(process.env['BENCH_RSS_SETTLE_SECONDS'] ?? 20) * 1000;

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** CPU time of the api's thread per request (µs): unlike req/s, the machine's other load barely moves it. */
  cpuUs: number;
}

async function measure(
  title: string,
  options: autocannon.Options,
): Promise<Measured> {
  // The load generator runs in a worker thread, so it does not share the api's event loop.
  const cpuBefore = process.threadCpuUsage();
  const result = await autocannon({
    connections: CONNECTIONS,
    duration: SECONDS,
    workers: 1,
    ...options,
  });
  const cpu = process.threadCpuUsage(cpuBefore);
  const measured = {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuUs: (cpu.user + cpu.system) / Math.max(1, result.requests.total),
  };
  process.stdout.write(
    `  ${title.padEnd(44)} ${measured.rps.toFixed(0).padStart(7)} req/s  p50 ${measured.p50.toFixed(1).padStart(6)} ms  p99 ${measured.p99.toFixed(1).padStart(6)} ms  ${measured.cpuUs.toFixed(0).padStart(4)} us api CPU/req  (${measured.requests} requests, ${measured.non2xx} non-2xx, ${measured.errors} errors)\n`,
  );
  if (measured.non2xx > 0 || measured.errors > 0)
    throw new Error(
      `${title}: ${measured.non2xx} non-2xx answers, ${measured.errors} errors`,
    );
  return measured;
}

async function main(): Promise<void> {
  const [etcd, mongo] = await Promise.all([startEtcd(), startMongo()]);
  const run = Date.now().toString(36);
  let closed = false;
  const { app, url, headers, post } = await startBenchApi({
    etcdEndpoints: etcd.endpoints,
    mongoUri: mongo.uri,
    name: `bench-api-${run}`,
  });
  try {
    const definition = await post('/api/v1/definitions', BENCH_DEFINITION);
    const ids: string[] = [];
    await runConcurrent(INSTANCES, 16, async () => {
      ids.push(
        (
          await post(
            '/api/v1/instances',
            reservation(definition.id, Date.now() + HOUR_MS),
          )
        ).id,
      );
    });
    const target = ids[Math.floor(ids.length / 2)];

    process.stdout.write(
      `\napi bench: ${SECONDS} s per measurement, ${CONNECTIONS} connections, ${INSTANCES} instances preloaded\n  etcd: ${etcd.description}\n  mongo: ${mongo.description}\n`,
    );
    const healthz = (): Promise<Measured> =>
      measure('GET /healthz (baseline, no I/O)', { url: `${url}/healthz` });
    // Warm-up (JIT, connections, etcd and Mongo pools).
    await autocannon({
      url: `${url}/api/v1/instances/${target}`,
      connections: CONNECTIONS,
      duration: 2,
      headers,
    });

    // Not a figure: the same app's authenticated, rate-limited route that does no I/O, to tell the
    // cost of token verification and the rate limiter from the cost of the stores.
    const features = await measure('GET /api/v1/features (auth, no I/O)', {
      url: `${url}/api/v1/features`,
      headers,
    });
    const baseGet = await healthz();
    const getOne = await measure('GET /api/v1/instances/{id}', {
      url: `${url}/api/v1/instances/${target}`,
      headers,
    });
    const baseList = await healthz();
    const list = await measure('GET /api/v1/instances?limit=50', {
      url: `${url}/api/v1/instances?limit=50`,
      headers,
    });
    const rawTxn = await rawFourKeyTxn(etcd.endpoints, `/bench-api-raw-${run}`);
    const basePost = await healthz();
    // Bookings spread over the calendar (see bookingRequests): no window fills up to MAX_WORKERS.
    const create = await measure('POST /api/v1/instances', {
      url: `${url}/api/v1/instances`,
      headers,
      requests: bookingRequests(definition.id, CALENDAR_DAYS),
    });

    await app.close();
    closed = true;
    const memory =
      FLEET_WORKERS > 0 ? await appMemory(etcd.endpoints, mongo.uri, run) : [];

    const baseline = 'GET /healthz, same app (no I/O)';
    const fleet = `${FLEET_WORKERS.toLocaleString('en')} workers / ${FLEET_INSTANCES.toLocaleString('en')} instances`;
    report(
      'api',
      [
        throughputRow(
          'GET /api/v1/instances/{id}',
          getOne.rps,
          baseline,
          baseGet.rps,
          `${CONNECTIONS} connections; ${cpuNote(getOne, baseGet)}`,
        ),
        latencyRow(
          'GET /api/v1/instances/{id} p50',
          getOne.p50,
          `${baseline} p50`,
          baseGet.p50,
        ),
        latencyRow(
          'GET /api/v1/instances/{id} p99',
          getOne.p99,
          `${baseline} p99`,
          baseGet.p99,
        ),
        throughputRow(
          'GET /api/v1/instances?limit=50',
          list.rps,
          baseline,
          baseList.rps,
          `${INSTANCES}+ instances in etcd; ${cpuNote(list, baseList)}`,
        ),
        latencyRow(
          'GET /api/v1/instances?limit=50 p50',
          list.p50,
          `${baseline} p50`,
          baseList.p50,
        ),
        latencyRow(
          'GET /api/v1/instances?limit=50 p99',
          list.p99,
          `${baseline} p99`,
          baseList.p99,
        ),
        throughputRow(
          'POST /api/v1/instances',
          create.rps,
          'raw 4-key etcd txn, same etcd',
          rawTxn,
          `admission + one etcd txn; ${(create.rps / basePost.rps).toFixed(2)} x ${baseline}`,
        ),
        latencyRow(
          'POST /api/v1/instances p50',
          create.p50,
          `${baseline} p50`,
          basePost.p50,
        ),
        latencyRow(
          'POST /api/v1/instances p99',
          create.p99,
          `${baseline} p99`,
          basePost.p99,
        ),
        // Memory rows: the ratio is empty-store RSS / fleet RSS (1 = the fleet costs nothing).
        ...memory.map(({ app, loaded, empty }) => ({
          figure: `RSS ${app}, ${fleet}`,
          value: loaded.rssMb,
          unit: 'MB',
          baseline: `RSS ${app}, empty store`,
          baselineValue: empty.rssMb,
          ratio: empty.rssMb / loaded.rssMb,
          note: `peak ${loaded.peakRssMb.toFixed(0)} MB; goal < 200 MB`,
        })),
      ],
      {
        etcd: etcd.description,
        mongo: mongo.description,
        seconds: SECONDS,
        connections: CONNECTIONS,
        instances: INSTANCES,
        created: create.requests,
        authenticatedNoIo: {
          route: 'GET /api/v1/features',
          rps: features.rps,
          p50: features.p50,
          p99: features.p99,
        },
        memory,
      },
    );
    if (memory.length > 0) {
      process.stdout.write(
        `\nRSS per app process (${fleet}; empty store in the same run)\n  ${'app'.padEnd(12)} ${'fleet MB'.padStart(9)} ${'peak MB'.padStart(9)} ${'empty MB'.padStart(9)}\n`,
      );
      for (const { app: name, loaded, empty } of memory)
        process.stdout.write(
          `  ${name.padEnd(12)} ${loaded.rssMb.toFixed(0).padStart(9)} ${loaded.peakRssMb.toFixed(0).padStart(9)} ${empty.rssMb.toFixed(0).padStart(9)}\n`,
        );
    }
  } finally {
    if (!closed) await app.close();
    await Promise.all([etcd.stop(), mongo.stop()]);
  }
}

/** The api thread's CPU per request beside the baseline's (what the req/s ratio would be if CPU-bound). */
function cpuNote(figure: Measured, baseline: Measured): string {
  return `api CPU ${figure.cpuUs.toFixed(0)} us/request vs ${baseline.cpuUs.toFixed(0)} (${(baseline.cpuUs / figure.cpuUs).toFixed(2)} x)`;
}

/** Transactions of four puts (an instance create writes the record and its events) straight to etcd, per second, at the same concurrency. */
async function rawFourKeyTxn(
  endpoints: string[],
  prefix: string,
): Promise<number> {
  const store = new EtcdStateStore({ endpoints });
  try {
    const value = 'x'.repeat(1500);
    let done = 0;
    let i = 0;
    const deadline = Date.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (Date.now() < deadline) {
          const n = i++;
          await store.txn({
            compare: [
              {
                key: `${prefix}/${n}/state`,
                target: 'createRevision',
                op: '=',
                value: 0,
              },
            ],
            success: [0, 1, 2, 3].map((k) => ({
              type: 'put' as const,
              key: `${prefix}/${n}/${k}`,
              value,
            })),
          });
          done++;
        }
      }),
    );
    const rps = done / SECONDS;
    process.stdout.write(
      `  ${'raw 4-key etcd txn (baseline)'.padEnd(44)} ${rps.toFixed(0).padStart(7)} txn/s\n`,
    );
    return rps;
  } finally {
    await store.close();
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
