/**
 * CPU profile of one api route under load (not a figure; see api.bench.ts for those): the api on
 * local etcd and FerretDB with INSTANCES (500) instances booked, then 32 connections on ROUTE for
 * SECONDS (15) s. ROUTE: `get` (GET /api/v1/instances/{id}), `list` (GET /api/v1/instances?limit=50),
 * `post` (POST /api/v1/instances, the api bench's reservation), `features` (authenticated, no I/O).
 *
 *   ROUTE=post SWC_NODE_PROJECT=tsconfig.base.json node --cpu-prof --cpu-prof-dir=tmp/prof \
 *     -r @swc-node/register tools/bench/profile-api.ts
 *   node tools/bench/summarize-cpu-profile.mjs tmp/prof/<largest>.cpuprofile <seconds of start-up to skip>
 *
 * CAPACITY_ADMISSION and MAX_WORKERS pass through to the api.
 */
import autocannon from 'autocannon';
import { startEtcd, startMongo } from '@lcm/testing';
import { issueToken, startService } from '@lcm/runtime';
import { ApiModule, configureApi, loadApiConfig } from '../../apps/api/src';
import { runConcurrent } from './bench-report';

const SECRET = 'bench-secret-that-is-long-enough-0123456789';
const ROUTE = process.env['ROUTE'] ?? 'post';
const INSTANCES = Number(process.env['INSTANCES'] ?? 500);

async function main(): Promise<void> {
  const [etcd, mongo] = await Promise.all([startEtcd(), startMongo()]);
  const run = Date.now().toString(36);
  const mongoUrl = new URL(mongo.uri);
  mongoUrl.pathname = `/prof_api_${run}`;
  const config = loadApiConfig({
    ETCD_ENDPOINTS: etcd.endpoints.join(','),
    ETCD_PREFIX: `/prof-api-${run}`,
    MONGODB_URI: mongoUrl.toString(),
    AUTH_JWT_SECRET: SECRET,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
    CAPACITY_ADMISSION: process.env['CAPACITY_ADMISSION'] ?? 'true',
    ...(process.env['MAX_WORKERS']
      ? { MAX_WORKERS: process.env['MAX_WORKERS'] }
      : {}),
  });
  const { app, url } = await startService(ApiModule.forRoot(config), {
    service: 'api',
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    configure: configureApi,
    shutdownHooks: false,
  });
  const admin = await issueToken(SECRET, {
    subject: 'bench-admin',
    roles: ['admin'],
  });
  const headers = {
    authorization: `Bearer ${admin}`,
    'content-type': 'application/json',
  };
  const post = async (path: string, body: unknown): Promise<string> => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    if (response.status !== 201)
      throw new Error(
        `POST ${path}: ${response.status} ${await response.text()}`,
      );
    return ((await response.json()) as { id: string }).id;
  };
  const definitionId = await post('/api/v1/definitions', {
    name: 'bench-lab',
    labYaml:
      'lab:\n  title: bench\nnodes:\n  - id: n0\n    tags: ["serial:${PORT_SERIAL_1}", "vnc:${PORT_VNC_1}"]\n',
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
  });
  const reservation = () => {
    const start = Date.now() + 3600_000;
    return {
      definitionId,
      timeslotStart: new Date(start).toISOString(),
      timeslotEnd: new Date(start + 3600_000).toISOString(),
    };
  };
  const ids: string[] = [];
  await runConcurrent(INSTANCES, 16, async () => {
    ids.push(await post('/api/v1/instances', reservation()));
  });
  const target = ids[Math.floor(ids.length / 2)];
  const start = Date.now() + 3600_000;
  const options: autocannon.Options =
    ROUTE === 'post'
      ? {
          // As api.bench.ts: one-hour bookings over 80 days (WINDOW=one: all in one growing window).
          url: `${url}/api/v1/instances`,
          requests: Array.from(
            { length: process.env['WINDOW'] === 'one' ? 1 : 80 },
            (_, day) => ({
              method: 'POST' as const,
              path: '/api/v1/instances',
              body: JSON.stringify({
                ...reservation(),
                timeslotStart: new Date(start + day * 86_400_000).toISOString(),
                timeslotEnd: new Date(
                  start + day * 86_400_000 + 3600_000,
                ).toISOString(),
              }),
            }),
          ),
        }
      : ROUTE === 'list'
        ? { url: `${url}/api/v1/instances?limit=50` }
        : ROUTE === 'get'
          ? { url: `${url}/api/v1/instances/${target}` }
          : { url: `${url}/api/v1/features` };
  console.log(`profiling ${ROUTE} from ${process.uptime().toFixed(1)} s`);
  const result = await autocannon({
    ...options,
    headers,
    connections: 32,
    duration: Number(process.env['SECONDS'] ?? 15),
    workers: 1,
  });
  console.log(
    `${ROUTE} ${result.requests.average} req/s, p50 ${result.latency.p50} ms, ${result.non2xx} non-2xx`,
  );
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
