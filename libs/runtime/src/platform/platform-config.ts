import type { DocStore } from '@lcm/doc-store';
import type { EtcdConnectionOptions, StateStore } from '@lcm/state-store';
import { EnvReader } from '../config/env-reader';

/** Where live state is: a real etcd, or a store object handed in (memory: tests, the embedded default). */
export type StateStoreConfig =
  | ({ driver: 'etcd'; prefix: string } & EtcdConnectionOptions)
  | { driver: 'shared'; prefix: string; store: StateStore };

/** Where documents are: MongoDB, or a store object handed in. */
export type DocStoreConfig =
  | { driver: 'mongo'; uri: string; auditRetentionDays: number }
  | { driver: 'shared'; store: DocStore };

export interface PlatformConfig {
  state: StateStoreConfig;
  /** Absent for apps that need no documents (the scheduler). */
  docs?: DocStoreConfig;
}

/**
 * Store settings of a standalone app from the environment: ETCD_ENDPOINTS (required), ETCD_PREFIX,
 * ETCD_USERNAME / ETCD_PASSWORD, ETCD_CA_FILE / ETCD_CERT_FILE / ETCD_KEY_FILE, and, when the app
 * needs documents, MONGODB_URI (required) and AUDIT_RETENTION_DAYS.
 */
export function readPlatformConfig(
  read: EnvReader,
  needs: { docs: boolean },
): PlatformConfig {
  const endpoints = read.list('ETCD_ENDPOINTS');
  if (endpoints.length === 0)
    read.problem(
      'ETCD_ENDPOINTS is required (comma-separated, e.g. http://127.0.0.1:2379); `npm start` runs everything without servers',
    );
  const state: StateStoreConfig = {
    driver: 'etcd',
    endpoints,
    prefix: read.string('ETCD_PREFIX', '/lcm'),
    username: read.string('ETCD_USERNAME'),
    password: read.secret('ETCD_PASSWORD', { minLength: 0 }),
    caFile: read.string('ETCD_CA_FILE'),
    certFile: read.string('ETCD_CERT_FILE'),
    keyFile: read.string('ETCD_KEY_FILE'),
  };
  if (!needs.docs) return { state };
  const uri = read.uri('MONGODB_URI');
  if (!uri)
    read.problem(
      'MONGODB_URI is required (e.g. mongodb://127.0.0.1:27017/lcm)',
    );
  return {
    state,
    docs: {
      driver: 'mongo',
      uri: uri ?? '',
      auditRetentionDays: read.int('AUDIT_RETENTION_DAYS', 365, {
        min: 1,
        max: 3650,
      }),
    },
  };
}
