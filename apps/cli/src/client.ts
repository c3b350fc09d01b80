import { errorMessage } from '@lcm/domain';
import { readFileSync } from 'node:fs';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '@lcm/api-types';
import { type Context, resolveToken } from './config';
import { CliError, type Problem, problemMessage } from './errors';

export type LcmClient = Client<paths>;

/** How long one request may take before lcmctl gives up on the server. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface Connection {
  server: string;
  token?: string;
  client: LcmClient;
  /** fetch with the context's token, for what the typed client does not cover (the event stream). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

let trustedCaFile: string | undefined;

/** Adds the context's CA to the ones fetch trusts (once per process). */
function trustCa(file: string): void {
  if (trustedCaFile === file) return;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read ca-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  setDefaultCACertificates([...getCACertificates('default'), pem]);
  trustedCaFile = file;
}

/** `cannot reach <server>: connect ECONNREFUSED ...` instead of fetch's bare "fetch failed". */
export function unreachable(server: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } })
    .cause;
  if ((error as Error).name === 'TimeoutError')
    return new CliError(
      `the server at ${server} did not answer within ${REQUEST_TIMEOUT_MS / 1000}s`,
    );
  return new CliError(
    `cannot reach the server at ${server}: ${cause?.message ?? cause?.code ?? errorMessage(error)}`,
  );
}

export function connect(context: Context): Connection {
  if (context['ca-file']) trustCa(context['ca-file']);
  const token = resolveToken(context);
  const headers: Record<string, string> = token
    ? { authorization: `Bearer ${token}` }
    : {};
  const server = context.server;
  const guardedFetch = async (input: Request): Promise<Response> => {
    try {
      return await fetch(input, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachable(server, error);
    }
  };
  return {
    server,
    token,
    client: createClient<paths>({
      baseUrl: server,
      headers,
      fetch: guardedFetch,
    }),
    fetch: async (path, init = {}) => {
      try {
        return await fetch(`${server}${path}`, {
          ...init,
          headers: {
            ...headers,
            ...(init.headers as Record<string, string> | undefined),
          },
        });
      } catch (error) {
        throw unreachable(server, error);
      }
    },
  };
}

/** The data of an openapi-fetch answer, or a CliError carrying the problem's title and detail. */
export async function data<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data: body, error, response } = await call;
  if (response.ok && body !== undefined) return body;
  throw new CliError(
    problemMessage(
      response.status,
      asProblem(error),
      response.statusText || 'request failed',
    ),
  );
}

/** A failed raw response as a CliError. */
export async function failure(response: Response): Promise<CliError> {
  const text = await response.text().catch(() => '');
  let problem: Problem | undefined;
  try {
    problem = JSON.parse(text) as Problem;
  } catch {
    problem = undefined;
  }
  return new CliError(
    problemMessage(
      response.status,
      problem,
      text.trim().split('\n')[0] || response.statusText,
    ),
  );
}

function asProblem(error: unknown): Problem | undefined {
  return error !== null && typeof error === 'object'
    ? (error as Problem)
    : undefined;
}
