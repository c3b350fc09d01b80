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
 * req/s swing with their load, CPU per request much less. The apps' memory is memory.bench.ts.
 *
 *   BENCH_ONLY=api npm run bench
 *
 * BENCH_SECONDS (10) per measurement, BENCH_CONNECTIONS (32), BENCH_INSTANCES (500).
 */
import autocannon from 'autocannon';
import { startEtcd, startMongo } from '@lcm/testing';
import { EtcdStateStore } from '@lcm/state-store';
import {
  BENCH_DEFINITION,
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

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const INSTANCES = Number(process.env['BENCH_INSTANCES'] ?? 500);
/** POST books slots on this many consecutive days (within BOOKING_HORIZON_DAYS, 90). */
const CALENDAR_DAYS = 80;

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

    const baseline = 'GET /healthz, same app (no I/O)';
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
      },
    );
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

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
