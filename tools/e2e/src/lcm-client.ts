/* eslint-disable @typescript-eslint/no-explicit-any -- a test client reads whatever JSON a reply carries; tests assert its shape */
import { issueToken, type Role } from '@lcm/runtime';

/** One HTTP exchange with an LCM service, as a client sees it. */
export interface Reply<T = any> {
  status: number;
  contentType: string;
  text: string;
  /** The parsed body when it is JSON (application/json or application/problem+json). */
  json: T;
}

export interface CallOptions {
  /** A bearer token; omitted: no Authorization header. */
  token?: string;
  /** JSON-encoded; `raw` is sent as it is instead. */
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/**
 * A plain HTTP client for the public API, with the credentials a deployment's identity provider
 * would hand out (HS256 JWTs signed with the deployment's secret).
 */
export class LcmClient {
  constructor(
    readonly baseUrl: string,
    private readonly secret: string,
  ) {}

  token(roles: Role | Role[], subject: string): Promise<string> {
    return issueToken(
      this.secret,
      { subject, roles: Array.isArray(roles) ? roles : [roles] },
      { ttlSeconds: 3600 },
    );
  }

  async call<T = any>(
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    let body: string | undefined = options.raw;
    if (body === undefined && options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    let json: any;
    if (/json/.test(contentType) && text.length > 0) json = JSON.parse(text);
    return { status: response.status, contentType, text, json: json as T };
  }

  /** Every item of a paged collection (`items` + `nextCursor`), following the cursors. */
  async all<T>(path: string, token: string, limit = 500): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const url = new URL(path, this.baseUrl);
      url.searchParams.set('limit', String(limit));
      if (cursor) url.searchParams.set('cursor', cursor);
      const reply: Reply<{ items: T[]; nextCursor: string | null }> =
        await this.call('GET', `${url.pathname}${url.search}`, { token });
      if (reply.status !== 200)
        throw new Error(`GET ${url} -> ${reply.status} ${reply.text}`);
      items.push(...reply.json.items);
      cursor = reply.json.nextCursor;
    } while (cursor);
    return items;
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight; rejects with the first failure. */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from(
    { length: Math.min(concurrency, items.length) },
    async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index], index);
      }
    },
  );
  await Promise.all(lanes);
}
