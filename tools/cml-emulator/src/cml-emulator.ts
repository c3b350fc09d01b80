/**
 * An emulator of the CML 2.x REST API (`/api/v0/...`) for what LCM and the official `virl2-client`
 * use: authentication (bearer tokens with an expiry), system information / health / stats,
 * licensing, lab import from YAML, lab and node states, start / stop / wipe / delete.
 *
 * Labs run on the simulated lab runtime of `@lcm/providers` (its state machine and timings), one
 * simulated engine per virtual host: `/api/v0/...` is the default host, `/hosts/<name>/api/v0/...`
 * another one, so one process can stand in for the CML of many workers.
 */
import { errorMessage } from '@lcm/domain';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  createSimulatedFleet,
  isProviderError,
  type LabState,
  type SimulatedFleet,
} from '@lcm/providers';
import { parse } from 'yaml';

export interface CmlEmulatorOptions {
  port?: number;
  host?: string;
  username: string;
  password: string;
  /** Reported by system_information; the client checks it against its own (2.x, last 3 minors). */
  version?: string;
  /** Lab start: nodes boot this long before BOOTED (default 1000 ms). */
  labStartMs?: number;
  /** How long a virtual host's engine is not ready after its first request (default 0). */
  engineStartMs?: number;
  /** Token lifetime; an expired token answers 401 (default 1 hour). */
  tokenTtlMs?: number;
  licenseType?: 'PERSONAL' | 'ENTERPRISE';
  /** Node licence limit reported by licensing (default 20 personal, 300 enterprise). */
  nodeLimit?: number;
  /**
   * Smart Licensing authorization status reported by licensing (default IN_COMPLIANCE). EVAL
   * reports an unregistered product in its evaluation period; the others a licence that ran out.
   */
  authorization?: CmlAuthorizationStatus;
  /** Serve HTTPS with this certificate and key (PEM), as a real CML does. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

/** Authorization statuses CML's licensing reports (`authorization.status`). */
export const CML_AUTHORIZATION_STATUSES = [
  'IN_COMPLIANCE',
  'EVAL',
  'EVAL_EXPIRED',
  'AUTH_EXPIRED',
  'OUT_OF_COMPLIANCE',
] as const;
export type CmlAuthorizationStatus =
  (typeof CML_AUTHORIZATION_STATUSES)[number];

export interface CmlEmulator {
  url: string;
  /** Base URL of a virtual host (`<url>/hosts/<name>/`). */
  hostUrl(name: string): string;
  /** Counters for tests and benchmarks. */
  stats(): { logins: number; requests: number; labs: number };
  close(): Promise<void>;
}

interface CmlInterface {
  id: string;
  label: string;
  slot: number | null;
  type: string;
}

interface CmlNode {
  id: string;
  label: string;
  node_definition: string;
  image_definition: string | null;
  x: number;
  y: number;
  tags: string[];
  configuration: unknown;
  interfaces: CmlInterface[];
}

interface CmlLink {
  id: string;
  interface_a: string;
  interface_b: string;
  label: string;
}

interface CmlLab {
  id: string;
  simLabId: string;
  title: string;
  description: string;
  notes: string;
  created: string;
  modified: string;
  nodes: CmlNode[];
  links: CmlLink[];
}

interface VirtualHost {
  simHost: string;
  firstSeen: number;
  labs: Map<string, CmlLab>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SIM_DOMAIN = 'cml.emulator';
/** The id of the emulator's one (admin) user; labs are owned by it. */
const ADMIN_ID = '00000000-0000-4000-8000-000000000001';

export async function startCmlEmulator(
  options: CmlEmulatorOptions,
): Promise<CmlEmulator> {
  const version = options.version ?? '2.9.0';
  const tokenTtlMs = options.tokenTtlMs ?? 60 * 60 * 1000;
  const licenseType = options.licenseType ?? 'PERSONAL';
  const authorization = options.authorization ?? 'IN_COMPLIANCE';
  // An unregistered product runs on its evaluation period; the others registered once.
  const registration =
    authorization === 'EVAL' || authorization === 'EVAL_EXPIRED'
      ? 'NOT_REGISTERED'
      : 'COMPLETED';
  const nodeLimit =
    options.nodeLimit ?? (licenseType === 'PERSONAL' ? 20 : 300);
  const fleet: SimulatedFleet = createSimulatedFleet({
    profile: 'zero',
    bootTimeMs: 0,
    serviceStartMs: 0,
    labImportMs: 0,
    labStopMs: 0,
    labStartMs: options.labStartMs ?? 1000,
    hostDomain: SIM_DOMAIN,
  });
  const hosts = new Map<string, VirtualHost>();
  const tokens = new Map<string, number>();
  const counters = { logins: 0, requests: 0 };

  async function virtualHost(name: string): Promise<VirtualHost> {
    const known = hosts.get(name);
    if (known) return known;
    const vm = await fleet.provider.provision({
      idempotencyKey: `cml-${name || 'default'}`,
      templateName: 'cml-emulator',
      instanceType: 'emulated',
      amiPattern: `CML-${version}`,
      region: 'local',
      tags: {},
    });
    const created: VirtualHost = {
      simHost: vm.hostname ?? '',
      firstSeen: Date.now(),
      labs: new Map(),
    };
    hosts.set(name, hosts.get(name) ?? created);
    return hosts.get(name) as VirtualHost;
  }

  function ready(vhost: VirtualHost): boolean {
    return Date.now() - vhost.firstSeen >= (options.engineStartMs ?? 0);
  }

  function authenticate(request: IncomingMessage): void {
    const header = request.headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    const expires = token === undefined ? undefined : tokens.get(token);
    if (expires === undefined || expires < Date.now()) {
      if (token !== undefined) tokens.delete(token);
      throw new HttpError(401, 'No valid authentication token');
    }
  }

  function lab(vhost: VirtualHost, id: string): CmlLab {
    const found = vhost.labs.get(id);
    if (!found) throw new HttpError(404, `Lab not found: ${id}`);
    return found;
  }

  /** CML's lab state and per-node states, from the simulated lab's state. */
  async function states(
    vhost: VirtualHost,
    entry: CmlLab,
  ): Promise<{ lab: string; node: string; converged: boolean }> {
    const state = (await fleet.runtime.labState(
      vhost.simHost,
      entry.simLabId,
    )) as LabState;
    switch (state) {
      case 'STARTING':
        return { lab: 'STARTED', node: 'STARTED', converged: false };
      case 'STARTED':
        return { lab: 'STARTED', node: 'BOOTED', converged: true };
      case 'STOPPED':
        return { lab: 'STOPPED', node: 'STOPPED', converged: true };
      default:
        return {
          lab: 'DEFINED_ON_CORE',
          node: 'DEFINED_ON_CORE',
          converged: true,
        };
    }
  }

  async function labSummary(vhost: VirtualHost, entry: CmlLab) {
    const { lab: state } = await states(vhost, entry);
    return {
      id: entry.id,
      state,
      created: entry.created,
      modified: entry.modified,
      lab_title: entry.title,
      lab_description: entry.description,
      lab_notes: entry.notes,
      owner: ADMIN_ID,
      owner_username: options.username,
      node_count: entry.nodes.length,
      link_count: entry.links.length,
      groups: [],
    };
  }

  async function importLab(
    vhost: VirtualHost,
    yaml: string,
    title: string | undefined,
  ): Promise<CmlLab> {
    let document: unknown;
    try {
      document = parse(yaml);
    } catch (error) {
      throw new HttpError(
        400,
        `Invalid topology YAML: ${(error as Error).message.split('\n')[0]}`,
      );
    }
    if (typeof document !== 'object' || document === null) {
      throw new HttpError(400, 'Invalid topology: not a mapping');
    }
    const topology = document as Record<string, unknown>;
    const labPart = (topology['lab'] ?? {}) as Record<string, unknown>;
    const nodeIds = new Map<string, string>();
    const interfaceIds = new Map<string, string>();
    const nodes: CmlNode[] = (
      Array.isArray(topology['nodes']) ? topology['nodes'] : []
    ).map((raw: Record<string, unknown>, index: number) => {
      const id = randomUUID();
      nodeIds.set(String(raw['id'] ?? `n${index}`), id);
      const interfaces = (
        Array.isArray(raw['interfaces']) ? raw['interfaces'] : []
      ).map((iface: Record<string, unknown>, slot: number) => {
        const ifaceId = randomUUID();
        interfaceIds.set(
          `${String(raw['id'])}/${String(iface['id'])}`,
          ifaceId,
        );
        return {
          id: ifaceId,
          label: String(iface['label'] ?? `eth${slot}`),
          slot: typeof iface['slot'] === 'number' ? iface['slot'] : slot,
          type: String(iface['type'] ?? 'physical'),
        };
      });
      return {
        id,
        label: String(raw['label'] ?? `node-${index}`),
        node_definition: String(raw['node_definition'] ?? 'server'),
        image_definition:
          (raw['image_definition'] as string | undefined) ?? null,
        x: Number(raw['x'] ?? 0),
        y: Number(raw['y'] ?? 0),
        tags: Array.isArray(raw['tags']) ? raw['tags'].map(String) : [],
        configuration: raw['configuration'] ?? null,
        interfaces,
      };
    });
    const links: CmlLink[] = (
      Array.isArray(topology['links']) ? topology['links'] : []
    ).flatMap((raw: Record<string, unknown>) => {
      const a = interfaceIds.get(`${String(raw['n1'])}/${String(raw['i1'])}`);
      const b = interfaceIds.get(`${String(raw['n2'])}/${String(raw['i2'])}`);
      // A link needs both ends (CML refuses a dangling one; LCM's samples may omit links' ends).
      return a && b
        ? [
            {
              id: randomUUID(),
              interface_a: a,
              interface_b: b,
              label: String(raw['label'] ?? ''),
            },
          ]
        : [];
    });
    const id = randomUUID();
    let simLabId: string;
    try {
      simLabId = (
        await fleet.runtime.importLab(vhost.simHost, {
          idempotencyKey: id,
          title: title ?? String(labPart['title'] ?? id),
          yaml,
        })
      ).labId;
    } catch (error) {
      throw isProviderError(error) && error.code === 'INVALID_PARAMETER'
        ? new HttpError(400, error.message)
        : error;
    }
    const now = new Date().toISOString();
    const entry: CmlLab = {
      id,
      simLabId,
      title: title ?? String(labPart['title'] ?? `Lab at ${now}`),
      description: String(labPart['description'] ?? ''),
      notes: String(labPart['notes'] ?? ''),
      created: now,
      modified: now,
      nodes,
      links,
    };
    vhost.labs.set(id, entry);
    return entry;
  }

  async function route(
    request: IncomingMessage,
    path: string,
    query: URLSearchParams,
    vhost: VirtualHost,
    body: string,
  ): Promise<unknown> {
    const method = request.method ?? 'GET';
    if (method === 'GET' && path === 'system_information') {
      return {
        version,
        ready: ready(vhost),
        allow_ssh_pubkey_auth: false,
        oui: null,
      };
    }
    if (method === 'POST' && path === 'authenticate') {
      let credentials: { username?: unknown; password?: unknown } = {};
      try {
        credentials = JSON.parse(body) as typeof credentials;
      } catch {
        throw new HttpError(400, 'Body must be JSON {username, password}');
      }
      if (
        !same(credentials.username, options.username) ||
        !same(credentials.password, options.password)
      ) {
        throw new HttpError(403, 'Authentication failed!');
      }
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, Date.now() + tokenTtlMs);
      counters.logins += 1;
      return token;
    }
    if (!ready(vhost)) throw new HttpError(503, 'Controller is starting');
    authenticate(request);
    // CML before 2.10 checks a token with `authok`, later ones read the user from `authentication`.
    if (method === 'GET' && path === 'authok') return true;
    if (method === 'GET' && path === 'authentication') {
      return { id: ADMIN_ID, username: options.username, admin: true };
    }
    if (method === 'GET' && path === 'users') {
      return [
        {
          id: ADMIN_ID,
          username: options.username,
          fullname: 'LCM emulator administrator',
          admin: true,
          groups: [],
          labs: [],
        },
      ];
    }
    if (method === 'DELETE' && path === 'logout') {
      tokens.delete(
        (request.headers.authorization ?? '').replace(/^Bearer /, ''),
      );
      return true;
    }
    if (method === 'GET' && path === 'system_health') {
      return {
        valid: true,
        is_licensed:
          authorization === 'IN_COMPLIANCE' || authorization === 'EVAL',
        is_enterprise: licenseType === 'ENTERPRISE',
        computes: {
          'compute-0': {
            hostname: 'cml-emulator',
            is_controller: true,
            kvm_vmx_enabled: true,
            enough_cpus: true,
            refplat_images_available: true,
            lld_connected: true,
            valid: true,
          },
        },
        controller: {
          core_connected: true,
          nodes_loaded: true,
          images_loaded: true,
          valid: true,
        },
      };
    }
    if (method === 'GET' && path === 'system_stats') {
      const running = [...vhost.labs.values()].length;
      return {
        computes: {},
        all: {
          cpu: { count: 48, percent: 2 },
          memory: { total: 192 * 2 ** 30, used: 8 * 2 ** 30 },
          labs: running,
        },
      };
    }
    if (method === 'GET' && path === 'licensing') {
      const inUse = await nodesInUse(vhost);
      const featureName =
        licenseType === 'PERSONAL'
          ? 'CML - Personal Edition'
          : 'CML - Enterprise License';
      return {
        registration: {
          status: registration,
          expires: null,
          smart_account: 'emulator',
          virtual_account: 'emulator',
          register_time: {
            succeeded: null,
            attempted: null,
            success: 'SUCCESS',
            status: registration,
          },
          renew_time: {
            succeeded: null,
            attempted: null,
            success: 'SUCCESS',
            status: null,
          },
        },
        authorization: {
          status: authorization,
          renew_time: {
            succeeded: null,
            attempted: null,
            success: 'SUCCESS',
            status: 'SUCCEEDED',
          },
          expires: null,
        },
        reservation_mode: false,
        features: [
          {
            id:
              licenseType === 'PERSONAL'
                ? 'regid.2019-10.com.cisco.CML_PERSONAL'
                : 'regid.2019-10.com.cisco.CML_NODE_COUNT',
            name: featureName,
            description: `${featureName} node count`,
            in_use: inUse,
            status:
              authorization === 'OUT_OF_COMPLIANCE'
                ? 'OUT_OF_COMPLIANCE'
                : 'IN_COMPLIANCE',
            version: '1.0',
            min: 0,
            max: nodeLimit,
          },
        ],
        transport: {
          ssms: 'https://smartreceiver.cisco.com/licservice/license',
          proxy: { server: null, port: null },
          default_ssms: 'https://smartreceiver.cisco.com/licservice/license',
        },
        udi: {
          hostname: 'cml-emulator',
          product_uuid: '00000000-0000-4000-8000-000000000000',
        },
        product_license: {
          active:
            licenseType === 'PERSONAL' ? 'CML_Personal' : 'CML_Enterprise',
          is_enterprise: licenseType === 'ENTERPRISE',
        },
      };
    }
    if (method === 'GET' && path === 'labs') return [...vhost.labs.keys()];
    if (method === 'GET' && path === 'populate_lab_tiles') {
      const tiles: Record<string, unknown> = {};
      for (const entry of vhost.labs.values())
        tiles[entry.id] = await labSummary(vhost, entry);
      return { lab_tiles: tiles };
    }
    if (method === 'POST' && path === 'import') {
      const entry = await importLab(
        vhost,
        body,
        query.get('title') ?? undefined,
      );
      return { id: entry.id, warnings: [] };
    }
    const match = /^labs\/([^/]+)(?:\/(.+))?$/.exec(path);
    if (!match) throw new HttpError(404, `No such endpoint: ${method} ${path}`);
    const entry = lab(vhost, match[1]);
    const action = match[2] ?? '';
    const touched = () => (entry.modified = new Date().toISOString());
    switch (`${method} ${action}`) {
      case 'GET ':
        return labSummary(vhost, entry);
      case 'GET state':
        return (await states(vhost, entry)).lab;
      case 'GET check_if_converged':
        return (await states(vhost, entry)).converged;
      case 'GET topology':
        return {
          lab: {
            title: entry.title,
            description: entry.description,
            notes: entry.notes,
            version: '0.3.0',
            owner: ADMIN_ID,
          },
          nodes: entry.nodes,
          links: entry.links,
          annotations: [],
          smart_annotations: [],
        };
      case 'GET lab_element_state': {
        const { node, lab: labState } = await states(vhost, entry);
        const up = labState === 'STARTED' ? 'STARTED' : labState;
        return {
          nodes: Object.fromEntries(entry.nodes.map((n) => [n.id, node])),
          links: Object.fromEntries(entry.links.map((l) => [l.id, up])),
          interfaces: Object.fromEntries(
            entry.nodes.flatMap((n) => n.interfaces.map((i) => [i.id, up])),
          ),
        };
      }
      case 'GET nodes': {
        if (query.get('data') !== 'true') return entry.nodes.map((n) => n.id);
        const { node } = await states(vhost, entry);
        return entry.nodes.map((n) => ({
          ...n,
          lab_id: entry.id,
          state: node,
          boot_progress: node === 'BOOTED' ? 'Booted' : 'Not running',
        }));
      }
      case 'GET links':
        return entry.links.map((l) => l.id);
      case 'GET events':
        return [];
      case 'PUT start':
        await fleet.runtime.startLab(vhost.simHost, entry.simLabId);
        touched();
        return undefined;
      case 'PUT stop':
        await fleet.runtime.stopLab(vhost.simHost, entry.simLabId);
        touched();
        return undefined;
      case 'PUT wipe': {
        if ((await states(vhost, entry)).lab === 'STARTED') {
          throw new HttpError(
            400,
            `Lab ${entry.id} must be stopped before it is wiped`,
          );
        }
        await fleet.runtime.wipeLab(vhost.simHost, entry.simLabId);
        touched();
        return undefined;
      }
      case 'DELETE ': {
        if ((await states(vhost, entry)).lab !== 'DEFINED_ON_CORE') {
          throw new HttpError(
            400,
            `Lab ${entry.id} must be stopped and wiped before it is deleted`,
          );
        }
        await fleet.runtime.deleteLab(vhost.simHost, entry.simLabId);
        vhost.labs.delete(entry.id);
        return undefined;
      }
      default:
        throw new HttpError(
          404,
          `No such endpoint: ${method} labs/{id}/${action}`,
        );
    }
  }

  async function nodesInUse(vhost: VirtualHost): Promise<number> {
    let count = 0;
    for (const entry of vhost.labs.values()) {
      if ((await states(vhost, entry)).lab === 'STARTED')
        count += entry.nodes.length;
    }
    return count;
  }

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    counters.requests += 1;
    void handle(request, response);
  };
  const server: Server = options.tls
    ? createTlsServer(
        { cert: options.tls.cert, key: options.tls.key },
        listener,
      )
    : createServer(listener);

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const parts = /^(?:\/hosts\/([^/]+))?\/api\/v0\/(.*)$/.exec(url.pathname);
    try {
      if (url.pathname === '/healthz')
        return send(response, 200, { status: 'ok' });
      if (!parts) throw new HttpError(404, `No such endpoint: ${url.pathname}`);
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const vhost = await virtualHost(decodeURIComponent(parts[1] ?? ''));
      const result = await route(
        request,
        parts[2].replace(/\/$/, ''),
        url.searchParams,
        vhost,
        Buffer.concat(chunks).toString('utf8'),
      );
      if (result === undefined) {
        response.writeHead(204).end();
      } else {
        send(response, 200, result);
      }
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      send(response, status, {
        code: status,
        description: errorMessage(error),
      });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () =>
      resolve(),
    );
  });
  const address = server.address() as AddressInfo;
  const host =
    address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${address.port}/`;
  return {
    url,
    hostUrl: (name) => `${url}hosts/${encodeURIComponent(name)}/`,
    stats: () => ({
      ...counters,
      labs: [...hosts.values()].reduce((n, h) => n + h.labs.size, 0),
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** Constant-time comparison of a credential (no early exit on the first differing byte). */
function same(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
