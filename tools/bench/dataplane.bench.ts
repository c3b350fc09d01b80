// The real data-plane adapters against independent servers:
//  - workers provisioned per second through Ec2WorkerProvider against moto, beside raw
//    RunInstances through the SDK on the same moto in the same run (goal: ratio >= 0.8; the
//    provider adds its idempotency lookup and the image resolution to each launch);
//  - import + start round trips through CmlLabRuntime on the CML emulator, beside a bare
//    authenticated GET of the emulator (its floor: one HTTP round trip).
import {
  DescribeImagesCommand,
  EC2Client,
  RegisterImageCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CmlLabRuntime, Ec2WorkerProvider } from '@lcm/providers';
import { startLocalCmlEmulator, startMoto } from '@lcm/testing';
import { randomBytes } from 'node:crypto';
import {
  latencyRow,
  percentile,
  report,
  runConcurrent,
  throughputRow,
} from './bench-report';

const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 200);
const LABS = Number(process.env['BENCH_LABS'] ?? 100);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 8);
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const LAB_YAML = [
  'lab:',
  '  title: bench',
  'nodes:',
  '  - id: n0',
  '    label: r1',
  '    tags: [serial:5041]',
  '  - id: n1',
  '    label: desktop',
  '    tags: [vnc:5044]',
  '',
].join('\n');

async function main(): Promise<void> {
  const [moto, cml] = await Promise.all([
    startMoto(),
    startLocalCmlEmulator({ labStartMs: 0 }),
  ]);
  const ec2 = new EC2Client({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: CREDENTIALS,
  });
  const provider = new Ec2WorkerProvider({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: CREDENTIALS,
  });
  const runtime = new CmlLabRuntime({
    urlTemplate: `${cml.url}hosts/{host}/`,
    credentials: () => ({ username: cml.username, password: cml.password }),
    pollMs: 10,
  });
  try {
    const images = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'name', Values: ['CML-2.9.1'] }],
      }),
    );
    const imageId =
      images.Images?.[0]?.ImageId ??
      (
        await ec2.send(
          new RegisterImageCommand({
            Name: 'CML-2.9.1',
            RootDeviceName: '/dev/sda1',
          }),
        )
      ).ImageId;
    const run = randomBytes(3).toString('hex');

    // Warm both paths (connections, moto's first-call costs), then measure raw first so neither
    // runs on a moto that already holds more instances than the other saw.
    await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: 'm5zn.metal',
        MinCount: 1,
        MaxCount: 1,
      }),
    );
    await provider.provision({
      idempotencyKey: `warm-${run}`,
      templateName: 'bench',
      instanceType: 'm5zn.metal',
      amiPattern: 'CML-2.9.*',
      region: REGION,
      tags: {},
    });
    const raw = await runConcurrent(WORKERS, CONCURRENCY, async (i) => {
      await ec2.send(
        new RunInstancesCommand({
          ImageId: imageId,
          InstanceType: 'm5zn.metal',
          MinCount: 1,
          MaxCount: 1,
          ClientToken: `raw-${run}-${i}`,
          TagSpecifications: [
            {
              ResourceType: 'instance',
              Tags: [{ Key: 'bench', Value: 'raw' }],
            },
          ],
        }),
      );
    });
    const viaProvider = await runConcurrent(WORKERS, CONCURRENCY, async (i) => {
      await provider.provision({
        idempotencyKey: `w-${run}-${i}`,
        templateName: 'bench',
        instanceType: 'm5zn.metal',
        amiPattern: 'CML-2.9.*',
        region: REGION,
        tags: { Team: 'bench' },
      });
    });

    // CML: a lab imported then started, per host (the engine of one worker each), in flight at once.
    await runtime.health('warm');
    const roundTrips: number[] = [];
    const labs = await runConcurrent(LABS, CONCURRENCY, async (i) => {
      const started = performance.now();
      const { labId } = await runtime.importLab(`host-${i % CONCURRENCY}`, {
        idempotencyKey: `inst-${run}-${i}`,
        title: `bench ${i}`,
        yaml: LAB_YAML,
      });
      await runtime.startLab(`host-${i % CONCURRENCY}`, labId);
      roundTrips.push(performance.now() - started);
    });
    const floor: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await runtime.labState('host-0', 'lab-that-does-not-exist');
      floor.push(performance.now() - started);
    }

    report(
      'dataplane',
      [
        throughputRow(
          'workers provisioned/s (Ec2WorkerProvider on moto)',
          viaProvider,
          'raw RunInstances/s (SDK, same moto)',
          raw,
          `goal >= 0.8; ${CONCURRENCY} in flight`,
        ),
        throughputRow(
          'CML import + start round trips/s (emulator)',
          labs,
          'bare CML GET round trips/s',
          1000 / percentile(floor, 50),
        ),
        latencyRow(
          'CML import + start round trip p50',
          percentile(roundTrips, 50),
          'bare authenticated GET p50',
          percentile(floor, 50),
          'import = lab-tile lookup + POST; start = PUT',
        ),
      ],
      {
        moto: moto.description,
        cml: cml.description,
        workers: WORKERS,
        labs: LABS,
        concurrency: CONCURRENCY,
      },
    );
  } finally {
    ec2.destroy();
    provider.close();
    runtime.close();
    await moto.stop();
    await cml.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
