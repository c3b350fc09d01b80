/** Where a test server came from, in the harness's order of preference. */
export type ServerSource = 'environment' | 'testcontainers' | 'local-binary';

export interface ServerHandle {
  source: ServerSource;
  /** Human description, e.g. "etcd 3.4.23 (local binary /usr/bin/etcd)". */
  description: string;
  version: string;
  stop(): Promise<void>;
}

export interface EtcdServer extends ServerHandle {
  endpoints: string[];
}

export interface MongoServer extends ServerHandle {
  uri: string;
}

export class ServerUnavailableError extends Error {
  constructor(server: string, reasons: string[]) {
    super(`${server} could not be started:\n  - ${reasons.join('\n  - ')}`);
    this.name = 'ServerUnavailableError';
  }
}

export function isCi(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}
