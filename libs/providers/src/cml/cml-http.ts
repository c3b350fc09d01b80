import { errorMessage } from '@lcm/domain';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';

/** Where a host's CML answers, and how its certificate is checked. */
export interface CmlTransportOptions {
  /** `{host}` is replaced by the worker's address. Default `https://{host}/`. */
  urlTemplate?: string;
  /** PEM bundle of the CAs that sign the workers' certificates (default: the system's). */
  caFile?: string;
  /**
   * Verify TLS certificates (default true). Turning it off is for a lab bench only: the password
   * travels to whoever answers.
   */
  tlsVerify?: boolean;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

export interface CmlResponse {
  status: number;
  body: unknown;
  text: string;
}

/** No answer came back: connection refused, reset, DNS failure, timeout. */
export class CmlUnreachable extends Error {
  constructor(
    readonly host: string,
    cause: unknown,
  ) {
    super(`CML on ${host} did not answer: ${errorMessage(cause)}`);
  }
}

/** Minimal JSON-over-HTTP(S) for the CML API, with the TLS settings in one place. */
export class CmlTransport {
  private readonly urlTemplate: string;
  private readonly timeoutMs: number;
  private readonly agent: Agent;

  constructor(options: CmlTransportOptions = {}) {
    this.urlTemplate = options.urlTemplate ?? 'https://{host}/';
    if (!this.urlTemplate.includes('{host}')) {
      throw new Error(
        `the CML URL template must contain {host}: ${this.urlTemplate}`,
      );
    }
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.agent = new Agent({
      keepAlive: true,
      rejectUnauthorized: options.tlsVerify ?? true,
      ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
    });
  }

  /** `https://<host>/api/v0/<path>` (or the template's form of it). */
  url(host: string, path: string): URL {
    const base = this.urlTemplate.replace('{host}', encodeURIComponent(host));
    return new URL(`api/v0/${path}`, base.endsWith('/') ? base : `${base}/`);
  }

  async send(
    host: string,
    method: string,
    path: string,
    options: { token?: string; json?: unknown; text?: string } = {},
  ): Promise<CmlResponse> {
    const url = this.url(host, path);
    const payload =
      options.json !== undefined ? JSON.stringify(options.json) : options.text;
    const headers: Record<string, string | number> = {
      accept: 'application/json',
    };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    if (payload !== undefined) {
      headers['content-type'] =
        options.json !== undefined ? 'application/json' : 'text/plain';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const secure = url.protocol === 'https:';
    return new Promise<CmlResponse>((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method,
          headers,
          timeout: this.timeoutMs,
          ...(secure ? { agent: this.agent } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) =>
            reject(new CmlUnreachable(host, error)),
          );
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = undefined;
            try {
              body = text === '' ? undefined : JSON.parse(text);
            } catch {
              body = text;
            }
            resolve({ status: response.statusCode ?? 0, body, text });
          });
        },
      );
      request.on('timeout', () =>
        request.destroy(new Error(`timed out after ${this.timeoutMs} ms`)),
      );
      request.on('error', (error) => reject(new CmlUnreachable(host, error)));
      request.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
