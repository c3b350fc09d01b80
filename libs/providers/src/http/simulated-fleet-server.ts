import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidParameter } from '../ports/provider-errors';
import type { ImportLabRequest } from '../ports/lab-runtime';
import type {
  ListManagedOptions,
  ProvisionRequest,
} from '../ports/worker-provider';
import type {
  SimulatedFailureRates,
  SimulatedLatency,
} from '../simulated/fleet-config';
import type { SimulatedFleetSnapshot } from '../simulated/fleet-snapshot';
import type {
  LaunchUnmanagedInput,
  SimulatedFleet,
} from '../simulated/simulated-fleet';
import {
  FLEET_ROUTES,
  fromWireError,
  httpStatusFor,
  toWireError,
  type FleetRoute,
  type WireError,
} from './fleet-wire';

export interface SimulatedFleetServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Largest request body accepted (default 4 MiB: a 1 MiB lab YAML, JSON-escaped). */
  maxBodyBytes?: number;
  /** Called after every request that may have changed the fleet (to persist it). */
  onChange?: () => void;
  /** One line per failed request (default: nothing). */
  log?: (message: string) => void;
}

export interface SimulatedFleetServer {
  /** `http://host:port`, what HttpWorkerProvider / HttpLabRuntime take as `baseUrl`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops accepting, drops idle keep-alive connections and resolves once closed. */
  close(): Promise<void>;
}

type Args = Record<string, unknown>;
type Handler = (fleet: SimulatedFleet, args: Args) => unknown;

function text(args: Args, name: string): string {
  // The ports validate their own arguments; this only keeps `undefined` out of the calls.
  return args[name] as string;
}

function optionalError(args: Args) {
  const wire = args['error'] as WireError | undefined;
  return wire === undefined || wire === null ? undefined : fromWireError(wire);
}

/** Every port method and test hook, by path. */
const HANDLERS: Readonly<Record<FleetRoute, Handler>> = {
  [FLEET_ROUTES.provision]: (f, a) =>
    f.provider.provision(a['request'] as ProvisionRequest),
  [FLEET_ROUTES.start]: (f, a) => f.provider.start(text(a, 'cloudId')),
  [FLEET_ROUTES.stop]: (f, a) => f.provider.stop(text(a, 'cloudId')),
  [FLEET_ROUTES.terminate]: (f, a) => f.provider.terminate(text(a, 'cloudId')),
  [FLEET_ROUTES.describe]: (f, a) => f.provider.describe(text(a, 'cloudId')),
  [FLEET_ROUTES.listManaged]: (f, a) =>
    f.provider.listManaged((a['options'] as ListManagedOptions) ?? {}),
  [FLEET_ROUTES.metrics]: (f, a) => f.provider.metrics(text(a, 'cloudId')),

  [FLEET_ROUTES.health]: (f, a) => f.runtime.health(text(a, 'host')),
  [FLEET_ROUTES.importLab]: (f, a) =>
    f.runtime.importLab(text(a, 'host'), a['request'] as ImportLabRequest),
  [FLEET_ROUTES.startLab]: (f, a) =>
    f.runtime.startLab(text(a, 'host'), text(a, 'labId')),
  [FLEET_ROUTES.stopLab]: (f, a) =>
    f.runtime.stopLab(text(a, 'host'), text(a, 'labId')),
  [FLEET_ROUTES.wipeLab]: (f, a) =>
    f.runtime.wipeLab(text(a, 'host'), text(a, 'labId')),
  [FLEET_ROUTES.deleteLab]: (f, a) =>
    f.runtime.deleteLab(text(a, 'host'), text(a, 'labId')),
  [FLEET_ROUTES.labState]: (f, a) =>
    f.runtime.labState(text(a, 'host'), text(a, 'labId')),
  [FLEET_ROUTES.listLabs]: (f, a) => f.runtime.listLabs(text(a, 'host')),
  [FLEET_ROUTES.nodes]: (f, a) =>
    f.runtime.nodes(text(a, 'host'), text(a, 'labId')),

  [FLEET_ROUTES.vanish]: (f, a) => f.vanish(text(a, 'cloudId')),
  [FLEET_ROUTES.failNextProvision]: (f, a) =>
    f.failNextProvision(optionalError(a)),
  [FLEET_ROUTES.failNextImport]: (f, a) =>
    f.failNextImport(
      (a['host'] as string | undefined) ?? undefined,
      optionalError(a),
    ),
  [FLEET_ROUTES.failNextLabStart]: (f, a) =>
    f.failNextLabStart(
      (a['host'] as string | undefined) ?? undefined,
      optionalError(a),
    ),
  [FLEET_ROUTES.setEngineError]: (f, a) =>
    f.setEngineError(text(a, 'cloudId'), a['on'] !== false),
  [FLEET_ROUTES.setImpaired]: (f, a) =>
    f.setImpaired(text(a, 'cloudId'), a['on'] !== false),
  [FLEET_ROUTES.setLatency]: (f, a) =>
    f.setLatency((a['patch'] as Partial<SimulatedLatency>) ?? {}),
  [FLEET_ROUTES.setFailureRates]: (f, a) =>
    f.setFailureRates((a['patch'] as Partial<SimulatedFailureRates>) ?? {}),
  [FLEET_ROUTES.launchUnmanaged]: (f, a) =>
    f.launchUnmanaged((a['input'] as LaunchUnmanagedInput) ?? {}),
  [FLEET_ROUTES.instanceForHost]: (f, a) => f.instanceForHost(text(a, 'host')),
  [FLEET_ROUTES.stats]: (f) => f.stats(),
  [FLEET_ROUTES.snapshot]: (f) => f.snapshot(),
  [FLEET_ROUTES.restore]: (f, a) =>
    f.restore(a['snapshot'] as SimulatedFleetSnapshot),
  [FLEET_ROUTES.info]: (f) => ({
    now: new Date(f.clock.now()).toISOString(),
    revision: f.revision,
    latency: f.latency,
    failureRates: f.failureRates,
  }),
};

/** Routes that only read: no `onChange` after them. */
const READ_ONLY = new Set<string>([
  FLEET_ROUTES.describe,
  FLEET_ROUTES.listManaged,
  FLEET_ROUTES.metrics,
  FLEET_ROUTES.health,
  FLEET_ROUTES.labState,
  FLEET_ROUTES.listLabs,
  FLEET_ROUTES.nodes,
  FLEET_ROUTES.instanceForHost,
  FLEET_ROUTES.stats,
  FLEET_ROUTES.snapshot,
  FLEET_ROUTES.info,
]);

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the client still gets its 400.
      if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () =>
      size > limit
        ? reject(new BodyTooLarge(`request body larger than ${limit} bytes`))
        : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  response.end(payload);
}

/**
 * Serves a SimulatedFleet over plain node:http in the fleet wire format (see fleet-wire.ts): every
 * WorkerProvider and LabRuntime method, the fleet's test hooks (vanish, failNext*, ...) under
 * `/v1/sim/*`, and `GET /healthz`. One fleet, many clients: the controller replicas of a
 * multi-process test (or the failover of a real deployment) all see the same VMs and labs.
 */
export function createSimulatedFleetServer(
  fleet: SimulatedFleet,
  options: SimulatedFleetServerOptions = {},
): Promise<SimulatedFleetServer> {
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const server = createServer((request, response) => {
    void handle(request, response);
  });

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz' && request.method === 'GET') {
      send(response, 200, { status: 'ok', revision: fleet.revision });
      return;
    }
    const handler = Object.prototype.hasOwnProperty.call(HANDLERS, path)
      ? HANDLERS[path as FleetRoute]
      : undefined;
    if (!handler) {
      send(response, 404, { message: `no route ${request.method} ${path}` });
      return;
    }
    if (request.method !== 'POST' && request.method !== 'GET') {
      send(response, 405, { message: `${request.method} not allowed` });
      return;
    }
    let args: Args = {};
    try {
      const raw = await readBody(request, maxBody);
      if (raw.trim() !== '') {
        const parsed: unknown = JSON.parse(raw);
        if (
          typeof parsed !== 'object' ||
          parsed === null ||
          Array.isArray(parsed)
        ) {
          throw new InvalidParameter(
            'body',
            'must be a JSON object of arguments',
          );
        }
        args = parsed as Args;
      }
    } catch (error) {
      const wire =
        error instanceof BodyTooLarge
          ? toWireError(new InvalidParameter('body', error.message))
          : error instanceof SyntaxError
            ? toWireError(
                new InvalidParameter('body', `not JSON: ${error.message}`),
              )
            : toWireError(error);
      if (!response.headersSent)
        send(response, httpStatusFor(wire), { error: wire });
      return;
    }
    try {
      const result = await handler(fleet, args);
      send(response, 200, result === undefined ? {} : { result });
    } catch (error) {
      const wire = toWireError(error);
      if (wire.code === 'INTERNAL') options.log?.(`${path}: ${wire.message}`);
      send(response, httpStatusFor(wire), { error: wire });
    } finally {
      if (!READ_ONLY.has(path)) options.onChange?.();
    }
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const host =
        options.host && options.host !== '0.0.0.0' && options.host !== '::'
          ? options.host
          : '127.0.0.1';
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
      resolve({
        url,
        port: address.port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Idle keep-alive connections would hold close() open; busy ones get a moment to finish.
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), 1_000).unref();
          }),
      });
    });
  });
}
