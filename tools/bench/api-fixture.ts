/**
 * The api as the api bench and the api profile (profile-api.ts) load it: one app on real etcd and
 * FerretDB (or MongoDB) through its normal configuration, an admin's headers, the bench's lab
 * definition, and one-hour reservations of it. One home, so a profile measures what the bench does.
 */
import type { INestApplication } from '@nestjs/common';
import { issueToken, startService } from '@lcm/runtime';
import { ApiModule, configureApi, loadApiConfig } from '../../apps/api/src';
import { definitionBody } from '../../apps/api/test';

export const BENCH_SECRET = 'bench-secret-that-is-long-enough-0123456789';

/** Bookings one hour long (and spaced a day apart) start an hour from now. */
export const HOUR_MS = 60 * 60_000;
export const DAY_MS = 24 * HOUR_MS;

export interface BenchApi {
  app: INestApplication;
  url: string;
  /** An admin's bearer token and a JSON content type. */
  headers: Record<string, string>;
  /** POST `body` as JSON; the created record's id (anything but 201 throws). */
  post(path: string, body: unknown): Promise<{ id: string }>;
}

/**
 * Starts the api (port 0) on the given stores under its own key prefix and database, with a rate
 * limit no bench reaches; `env` adds or overrides settings.
 */
export async function startBenchApi(options: {
  etcdEndpoints: string[];
  mongoUri: string;
  /** Names this run's etcd prefix and database (`/<name>`, `<name>` with dashes as underscores). */
  name: string;
  env?: Record<string, string>;
}): Promise<BenchApi> {
  const mongoUrl = new URL(options.mongoUri);
  mongoUrl.pathname = `/${options.name.replaceAll('-', '_')}`;
  const config = loadApiConfig({
    ETCD_ENDPOINTS: options.etcdEndpoints.join(','),
    ETCD_PREFIX: `/${options.name}`,
    MONGODB_URI: mongoUrl.toString(),
    AUTH_JWT_SECRET: BENCH_SECRET,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...options.env,
  });
  const { app, url } = await startService(ApiModule.forRoot(config), {
    service: 'api',
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    configure: configureApi,
    shutdownHooks: false,
  });
  const admin = await issueToken(BENCH_SECRET, {
    subject: 'bench-admin',
    roles: ['admin'],
  });
  const headers = {
    authorization: `Bearer ${admin}`,
    'content-type': 'application/json',
  };
  const post = async (path: string, body: unknown): Promise<{ id: string }> => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    if (response.status !== 201)
      throw new Error(
        `POST ${path}: ${response.status} ${await response.text()}`,
      );
    return (await response.json()) as { id: string };
  };
  return { app, url, headers, post };
}

/** The bench's lab definition: the api tests' (two nodes, a serial and a VNC port, 4 cores / 8 GB / 50 GB). */
export const BENCH_DEFINITION = definitionBody({ name: 'bench-lab' });

/** A one-hour reservation of `definitionId` starting at `start` (ms since the epoch). */
export function reservation(
  definitionId: string,
  start: number,
): { definitionId: string; timeslotStart: string; timeslotEnd: string } {
  return {
    definitionId,
    timeslotStart: new Date(start).toISOString(),
    timeslotEnd: new Date(start + HOUR_MS).toISOString(),
  };
}

/**
 * POST /api/v1/instances as autocannon requests: one-hour bookings on `days` consecutive days from an
 * hour from now (each connection cycles through them), so every POST is checked against its window's
 * demand and no window fills up to MAX_WORKERS however fast the api admits.
 */
export function bookingRequests(
  definitionId: string,
  days: number,
): { method: 'POST'; path: string; body: string }[] {
  const firstStart = Date.now() + HOUR_MS;
  return Array.from({ length: days }, (_, day) => ({
    method: 'POST' as const,
    path: '/api/v1/instances',
    body: JSON.stringify(reservation(definitionId, firstStart + day * DAY_MS)),
  }));
}
