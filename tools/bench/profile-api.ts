/**
 * CPU profile of api routes under load (not a figure; see api.bench.ts for those): the api as the
 * bench loads it (api-fixture.ts) with INSTANCES (500) instances booked, then 32 connections on each
 * route of ROUTES (comma-separated; default `post`) for SECONDS (15) s, ROUNDS (1) times in turn, each
 * run's req/s printed. A route: `get` (GET /api/v1/instances/{id}), `list` (GET
 * /api/v1/instances?limit=50), `post` (POST /api/v1/instances, the bench's bookings over 80 days;
 * WINDOW=one: all in one growing window), `features` (authenticated, no I/O), `healthz` (the bench's
 * baseline). `ROUTES=healthz,list ROUNDS=3` compares a route with its baseline on a loaded machine;
 * each run also prints the api thread's CPU time per request, which other jobs on the machine do
 * not change.
 *
 *   ROUTES=post SWC_NODE_PROJECT=tsconfig.base.json node --cpu-prof --cpu-prof-dir=tmp/prof \
 *     -r @swc-node/register tools/bench/profile-api.ts
 *   node tools/bench/summarize-cpu-profile.mjs tmp/prof/<largest>.cpuprofile <seconds of start-up to skip>
 *
 * CAPACITY_ADMISSION and MAX_WORKERS pass through to the api.
 */
import autocannon from 'autocannon';
import { startEtcd, startMongo } from '@lcm/testing';
import { runConcurrent } from './bench-report';
import {
  BENCH_DEFINITION,
  bookingRequests,
  HOUR_MS,
  reservation,
  startBenchApi,
} from './api-fixture';

const ROUTES = (process.env['ROUTES'] ?? process.env['ROUTE'] ?? 'post').split(
  ',',
);
const ROUNDS = Number(process.env['ROUNDS'] ?? 1);
const INSTANCES = Number(process.env['INSTANCES'] ?? 500);

async function main(): Promise<void> {
  const [etcd, mongo] = await Promise.all([startEtcd(), startMongo()]);
  const { app, url, headers, post } = await startBenchApi({
    etcdEndpoints: etcd.endpoints,
    mongoUri: mongo.uri,
    name: `prof-api-${Date.now().toString(36)}`,
    env: {
      CAPACITY_ADMISSION: process.env['CAPACITY_ADMISSION'] ?? 'true',
      ...(process.env['MAX_WORKERS']
        ? { MAX_WORKERS: process.env['MAX_WORKERS'] }
        : {}),
    },
  });
  const definitionId = (await post('/api/v1/definitions', BENCH_DEFINITION)).id;
  const ids: string[] = [];
  await runConcurrent(INSTANCES, 16, async () => {
    ids.push(
      (
        await post(
          '/api/v1/instances',
          reservation(definitionId, Date.now() + HOUR_MS),
        )
      ).id,
    );
  });
  const target = ids[Math.floor(ids.length / 2)];
  const optionsOf = (route: string): autocannon.Options => {
    switch (route) {
      case 'post':
        return {
          url: `${url}/api/v1/instances`,
          requests: bookingRequests(
            definitionId,
            process.env['WINDOW'] === 'one' ? 1 : 80,
          ),
        };
      case 'list':
        return { url: `${url}/api/v1/instances?limit=50` };
      case 'get':
        return { url: `${url}/api/v1/instances/${target}` };
      case 'features':
        return { url: `${url}/api/v1/features` };
      case 'healthz':
        return { url: `${url}/healthz` };
      default:
        throw new Error(`unknown route ${route}`);
    }
  };
  console.log(
    `profiling ${ROUTES.join(', ')} from ${process.uptime().toFixed(1)} s`,
  );
  for (let round = 0; round < ROUNDS; round++)
    for (const route of ROUTES) {
      // The api's own thread (the load generator runs in a worker): CPU per request does not
      // depend on how much of the machine other jobs leave, unlike req/s.
      const cpuBefore = process.threadCpuUsage();
      const result = await autocannon({
        ...optionsOf(route),
        headers,
        connections: 32,
        duration: Number(process.env['SECONDS'] ?? 15),
        workers: 1,
      });
      const cpu = process.threadCpuUsage(cpuBefore);
      const cpuPerRequest = (cpu.user + cpu.system) / result.requests.total;
      console.log(
        `${route} ${result.requests.average} req/s, p50 ${result.latency.p50} ms, ${result.non2xx} non-2xx, ${cpuPerRequest.toFixed(0)} us api CPU per request`,
      );
    }
  await app.close();
  await Promise.all([etcd.stop(), mongo.stop()]);
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
