import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeImagesCommand,
  EC2Client,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import {
  captureOutput,
  CmlEmulatorServer,
  EtcdServer,
  freePort,
  MongoServer,
  MotoServer,
  spawnServer,
  startCmlEmulatorServer,
  startEtcd,
  startMongo,
  startMoto,
  stopProcess,
  workspaceRoot,
} from '@lcm/testing';

/**
 * Where the workers run: `aws` = EC2 (moto's server) with CML lab engines (the CML emulator), the
 * real adapters; `http` = the simulated cloud process (tools/sim-cloud). E2E_DATA_PLANE, default aws.
 */
export type DataPlane = 'aws' | 'http';

export type AppName = 'api' | 'scheduler' | 'controller' | 'audit-sink';

export interface AppProcess {
  name: AppName;
  replica: string;
  url: string;
  process: ChildProcess;
  output(): string;
}

/**
 * The whole system as separate processes, the way it is deployed: the built apps
 * (`node dist/apps/<app>/main.js`), a simulated cloud process, real etcd and a MongoDB wire-protocol
 * server. Tests drive it only through the public HTTP API.
 */
export class Stack {
  readonly secret = randomBytes(24).toString('hex');
  readonly prefix = `/e2e-${randomBytes(3).toString('hex')}`;
  readonly database = `lcm_e2e_${randomBytes(3).toString('hex')}`;
  readonly apps: AppProcess[] = [];
  etcd!: EtcdServer;
  mongo!: MongoServer;
  simCloud?: { url: string; process: ChildProcess; output(): string };
  moto?: MotoServer;
  cml?: CmlEmulatorServer;
  readonly dataPlane: DataPlane =
    process.env['E2E_DATA_PLANE'] === 'http' ? 'http' : 'aws';
  /** Credentials the run hands out, for the test that proves none of them leaks into logs or events. */
  readonly secrets = {
    awsAccessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    awsSecretAccessKey: randomBytes(30).toString('base64url'),
    cmlPassword: '',
  };
  /** Everything every app process wrote, killed ones included. */
  readonly logs: string[] = [];
  private secretDir?: string;

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  get mongoUri(): string {
    const url = new URL(this.mongo.uri);
    url.pathname = `/${this.database}`;
    return url.toString();
  }

  async startServers(): Promise<void> {
    this.etcd = await startEtcd();
    this.mongo = await startMongo();
  }

  /** The data plane of E2E_DATA_PLANE: moto + the CML emulator, or the simulated cloud process. */
  async startDataPlane(): Promise<void> {
    if (this.dataPlane === 'http') return this.startSimCloud();
    [this.moto, this.cml] = await Promise.all([
      startMoto(),
      startCmlEmulatorServer({ labStartMs: 1000 }),
    ]);
    this.secrets.cmlPassword = this.cml.password;
    this.secretDir = mkdtempSync(join(tmpdir(), 'lcm-e2e-secrets-'));
    writeFileSync(join(this.secretDir, 'cml-password'), this.cml.password, {
      mode: 0o600,
    });
    // The seeded templates boot `CML-2.9.*` images of the account: register two, the newer wins.
    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: this.moto.endpoint,
      credentials: {
        accessKeyId: this.secrets.awsAccessKeyId,
        secretAccessKey: this.secrets.awsSecretAccessKey,
      },
    });
    const existing = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'name', Values: ['CML-2.9.*'] }],
      }),
    );
    if ((existing.Images ?? []).length === 0) {
      for (const name of ['CML-2.9.0', 'CML-2.9.1'])
        await ec2.send(
          new RegisterImageCommand({ Name: name, RootDeviceName: '/dev/sda1' }),
        );
    }
    ec2.destroy();
  }

  private dataPlaneEnv(): Record<string, string> {
    if (this.dataPlane === 'http')
      return {
        PROVIDER: 'http',
        LAB_RUNTIME: 'http',
        PROVIDER_URL: this.simCloud?.url ?? '',
      };
    return {
      PROVIDER: 'aws',
      LAB_RUNTIME: 'cml',
      AWS_ENDPOINT_URL_EC2: this.moto?.endpoint ?? '',
      AWS_ACCESS_KEY_ID: this.secrets.awsAccessKeyId,
      AWS_SECRET_ACCESS_KEY: this.secrets.awsSecretAccessKey,
      AWS_REGION: 'us-east-1',
      // No profile or IMDS lookups on a developer machine: the SDK takes the variables above.
      AWS_EC2_METADATA_DISABLED: 'true',
      CML_URL_TEMPLATE: `${this.cml?.url ?? ''}hosts/{host}/`,
      CML_USERNAME: this.cml?.username ?? '',
      CML_PASSWORD_FILE: join(this.secretDir ?? '', 'cml-password'),
    };
  }

  async startSimCloud(): Promise<void> {
    const port = await freePort();
    const root = workspaceRoot();
    const proc = spawnServer(
      process.execPath,
      ['-r', '@swc-node/register', join(root, 'tools/sim-cloud/main.ts')],
      {
        cwd: root,
        env: {
          ...process.env,
          SWC_NODE_PROJECT: join(root, 'tsconfig.base.json'),
          SIM_PORT: String(port),
          SIM_PROFILE: 'fast',
          SIM_SEED: '7',
        },
      },
    );
    const output = captureOutput(proc);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/healthz`, 30_000, output);
    this.simCloud = { url, process: proc, output };
  }

  env(name: AppName, replica: string, port: number): NodeJS.ProcessEnv {
    const upper = name.toUpperCase().replace('-', '_');
    return {
      PATH: process.env['PATH'],
      NODE_ENV: 'production',
      ETCD_ENDPOINTS: this.etcd.endpoints.join(','),
      ETCD_PREFIX: this.prefix,
      MONGODB_URI: this.mongoUri,
      AUTH_JWT_SECRET: this.secret,
      LOG_LEVEL: process.env['E2E_LOG_LEVEL'] ?? 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      [`${upper}_REPLICA_ID`]: replica,
      ...this.dataPlaneEnv(),
      ...this.extraEnv,
    };
  }

  async startApp(
    name: AppName,
    replica = `${name}-${this.apps.filter((a) => a.name === name).length + 1}`,
  ): Promise<AppProcess> {
    const root = workspaceRoot();
    const main = join(root, 'dist/apps', name, 'main.js');
    if (!existsSync(main))
      throw new Error(
        `${main} is missing: build it first (npx nx run-many -t build)`,
      );
    const port = await freePort();
    const proc = spawnServer(process.execPath, [main], {
      cwd: join(root, 'dist/apps', name),
      env: this.env(name, replica, port),
    });
    const output = captureOutput(proc, 20_000);
    const log = (chunk: Buffer) => this.logs.push(chunk.toString());
    proc.stdout?.on('data', log);
    proc.stderr?.on('data', log);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/readyz`, 60_000, output);
    const app = { name, replica, url, process: proc, output };
    this.apps.push(app);
    return app;
  }

  async kill(
    app: AppProcess,
    signal: NodeJS.Signals = 'SIGKILL',
  ): Promise<void> {
    await stopProcess(app.process, signal);
    this.apps.splice(this.apps.indexOf(app), 1);
  }

  async stop(): Promise<void> {
    await Promise.all(this.apps.map((app) => stopProcess(app.process)));
    this.apps.length = 0;
    if (this.simCloud) await stopProcess(this.simCloud.process);
    await this.moto?.stop();
    await this.cml?.stop();
    if (this.secretDir)
      rmSync(this.secretDir, { recursive: true, force: true });
    await this.mongo?.stop();
    await this.etcd?.stop();
  }
}

export async function waitForHttp(
  url: string,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${url} not ready within ${timeoutMs} ms (${last})\n--- process output ---\n${output()}`,
  );
}
