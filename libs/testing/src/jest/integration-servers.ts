import { randomBytes } from 'node:crypto';
import { isCi } from '../servers/server-handle';

/** ETCD_ENDPOINTS as set by the integration global setup (or by the user). */
export function etcdEndpoints(): string[] {
  const value = process.env['ETCD_ENDPOINTS'];
  if (!value)
    throw new Error(
      `no etcd for this test: ${process.env['LCM_ETCD_UNAVAILABLE'] ?? 'ETCD_ENDPOINTS is not set'}`,
    );
  return value.split(',');
}

/** MONGODB_URI as set by the integration global setup (or by the user). */
export function mongoUri(): string {
  const value = process.env['MONGODB_URI'];
  if (!value)
    throw new Error(
      `no MongoDB for this test: ${process.env['LCM_MONGO_UNAVAILABLE'] ?? 'MONGODB_URI is not set'}`,
    );
  return value;
}

/** A MongoDB URI for a database of its own, so suites sharing one server never see each other's data. */
export function mongoUriForDatabase(database: string): string {
  const url = new URL(mongoUri());
  url.pathname = `/${database}`;
  return url.toString();
}

/** MOTO_ENDPOINT as set by the integration global setup (or by the user): moto's AWS API. */
export function motoEndpoint(): string {
  const value = process.env['MOTO_ENDPOINT'];
  if (!value)
    throw new Error(
      `no moto for this test: ${process.env['LCM_MOTO_UNAVAILABLE'] ?? 'MOTO_ENDPOINT is not set'}`,
    );
  return value;
}

/** The CML emulator of the run (CML_EMULATOR_URL / _USERNAME / _PASSWORD from the global setup). */
export function cmlEmulator(): {
  url: string;
  username: string;
  password: string;
} {
  const url = process.env['CML_EMULATOR_URL'];
  if (!url)
    throw new Error(
      `no CML emulator for this test: ${process.env['LCM_CML_UNAVAILABLE'] ?? 'CML_EMULATOR_URL is not set'}`,
    );
  return {
    url,
    username: process.env['CML_EMULATOR_USERNAME'] ?? 'admin',
    password: process.env['CML_EMULATOR_PASSWORD'] ?? '',
  };
}

const SERVER_ENV = {
  etcd: 'ETCD_ENDPOINTS',
  mongo: 'MONGODB_URI',
  moto: 'MOTO_ENDPOINT',
  cml: 'CML_EMULATOR_URL',
} as const;

/** `describe`, or `describe.skip` with the reason when a server is unavailable outside CI. */
export function describeWithServers(
  servers: (keyof typeof SERVER_ENV)[],
): jest.Describe {
  const missing = servers.filter((s) => !process.env[SERVER_ENV[s]]);
  if (missing.length === 0) return describe;
  if (isCi()) {
    throw new Error(`integration servers missing in CI: ${missing.join(', ')}`);
  }
  return describe.skip;
}

/** A name no other test in this run uses: key prefixes, database names. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}
