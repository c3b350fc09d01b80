/**
 * CPU profile of POST /api/v1/instances (not a figure; see api.bench.ts for those): the api on
 * local etcd and FerretDB, 32 connections posting the same reservation for SECONDS (15) s.
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node --cpu-prof --cpu-prof-dir=tmp/prof \
 *     -r @swc-node/register tools/bench/profile-post.ts
 *   node tools/bench/summarize-cpu-profile.mjs tmp/prof/<largest>.cpuprofile <seconds of start-up to skip>
 */
import autocannon from 'autocannon';
import { startEtcd, startMongo } from '@lcm/testing';
import { issueToken, startService } from '@lcm/runtime';
import { ApiModule, configureApi, loadApiConfig } from '../../apps/api/src';

const SECRET = 'bench-secret-that-is-long-enough-0123456789';
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
  const def = await fetch(`${url}/api/v1/definitions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
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
    }),
  });
  const definition = (await def.json()) as { id: string };
  const start = Date.now() + 3600_000;
  const body = JSON.stringify({
    definitionId: definition.id,
    timeslotStart: new Date(start).toISOString(),
    timeslotEnd: new Date(start + 3600_000).toISOString(),
  });
  const result = await autocannon({
    url: `${url}/api/v1/instances`,
    method: 'POST',
    headers,
    body,
    connections: 32,
    duration: Number(process.env['SECONDS'] ?? 15),
    workers: 1,
  });
  console.log(
    `POST ${result.requests.average} req/s, p50 ${result.latency.p50} ms, ${result.non2xx} non-2xx`,
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
