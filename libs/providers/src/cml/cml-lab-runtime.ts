import { extractPortPlaceholders, type LicenseStatus } from '@lcm/domain';
import type {
  ImportLabRequest,
  ImportLabResult,
  LabEngineHealth,
  LabEngineLicensing,
  LabNode,
  LabRuntime,
  LabState,
  LabSummary,
  NodePort,
} from '../ports/lab-runtime';
import {
  AuthenticationFailed,
  InvalidParameter,
  LabEngineUnavailable,
  LabNotFound,
  OperationFailed,
  ProviderError,
} from '../ports/provider-errors';
import {
  CmlTransport,
  CmlUnreachable,
  type CmlResponse,
  type CmlTransportOptions,
} from './cml-http';

export interface CmlCredentials {
  username: string;
  password: string;
}

export interface CmlLabRuntimeOptions extends CmlTransportOptions {
  /**
   * The CML user of a host. Called when a token is needed (first call, or after a 401), so a
   * rotated secret is picked up; the values are never logged nor put in errors.
   */
  credentials: (host: string) => CmlCredentials | Promise<CmlCredentials>;
  /** stopLab waits for the nodes to stop this long (default 120 s), polling every `pollMs` (250). */
  stopTimeoutMs?: number;
  pollMs?: number;
}

/** Largest lab YAML accepted, as the simulated engine does (1 MiB). */
export const MAX_CML_LAB_YAML_BYTES = 1024 * 1024;
/** The LCM instance id rides in the lab title: `<title> [lcm:<key>]`. */
const KEY_MARKER = / \[lcm:([^\]]+)\]$/;
const PORT_TAG = /^([A-Za-z][\w-]*):(\d{1,5})$/;

interface CmlLabTile {
  id: string;
  state: string;
  lab_title: string;
  node_count?: number;
  created?: string;
}

/**
 * LabRuntime on the CML 2.x REST API (`/api/v0`), one CML per worker addressed by its hostname.
 * Authenticates with the host's credentials (bearer token, renewed once on a 401), keeps the LCM
 * instance id in the lab title for idempotent imports, and wraps wipe/delete with the stop (and
 * wipe) CML requires first.
 */
export class CmlLabRuntime implements LabRuntime {
  readonly name = 'cml';
  private readonly transport: CmlTransport;
  private readonly tokens = new Map<string, Promise<string>>();
  private readonly imports = new Map<string, Promise<ImportLabResult>>();
  private readonly stopTimeoutMs: number;
  private readonly pollMs: number;

  constructor(private readonly options: CmlLabRuntimeOptions) {
    this.transport = new CmlTransport(options);
    this.stopTimeoutMs = options.stopTimeoutMs ?? 120_000;
    this.pollMs = options.pollMs ?? 250;
  }

  async health(host: string): Promise<LabEngineHealth> {
    let response: CmlResponse;
    try {
      response = await this.transport.send(host, 'GET', 'system_information');
    } catch {
      return { status: 'UNAVAILABLE' };
    }
    if (response.status === 502 || response.status === 503) {
      return { status: 'STARTING' };
    }
    if (response.status !== 200 || typeof response.body !== 'object') {
      return { status: 'ERROR' };
    }
    const info = response.body as { version?: unknown; ready?: unknown };
    const version =
      typeof info.version === 'string'
        ? info.version.replace(/[-+].*$/, '')
        : undefined;
    return {
      status: info.ready === true ? 'AVAILABLE' : 'STARTING',
      ...(version ? { version } : {}),
    };
  }

  async importLab(
    host: string,
    request: ImportLabRequest,
  ): Promise<ImportLabResult> {
    if (!request.idempotencyKey || /[\]\s]/.test(request.idempotencyKey)) {
      throw new InvalidParameter(
        'idempotencyKey',
        'must be a non-empty id without spaces or ]',
      );
    }
    if (Buffer.byteLength(request.yaml, 'utf8') > MAX_CML_LAB_YAML_BYTES) {
      throw new InvalidParameter(
        'yaml',
        `larger than ${MAX_CML_LAB_YAML_BYTES} bytes`,
      );
    }
    const leftover = extractPortPlaceholders(request.yaml);
    if (leftover.length > 0) {
      throw new InvalidParameter(
        'yaml',
        `unresolved port placeholders (${leftover.join(', ')}); rewrite the YAML first`,
      );
    }
    // One import per key at a time in this process; across processes the title lookup decides.
    const slot = `${host}\n${request.idempotencyKey}`;
    const inFlight = this.imports.get(slot);
    if (inFlight) {
      const result = await inFlight;
      return { labId: result.labId, created: false };
    }
    const running = this.importOnce(host, request);
    this.imports.set(slot, running);
    try {
      return await running;
    } finally {
      this.imports.delete(slot);
    }
  }

  async startLab(host: string, labId: string): Promise<void> {
    await this.labCall(
      host,
      'PUT',
      `labs/${encodeURIComponent(labId)}/start`,
      labId,
    );
  }

  async stopLab(host: string, labId: string): Promise<void> {
    const state = await this.cmlState(host, labId);
    if (state === undefined) throw new LabNotFound(host, labId);
    if (state !== 'STARTED' && state !== 'QUEUED') return;
    await this.labCall(
      host,
      'PUT',
      `labs/${encodeURIComponent(labId)}/stop`,
      labId,
    );
    const deadline = Date.now() + this.stopTimeoutMs;
    while ((await this.cmlState(host, labId)) !== 'STOPPED') {
      if (Date.now() > deadline) {
        throw new OperationFailed(
          `lab ${labId} on ${host} did not stop within ${this.stopTimeoutMs} ms`,
          { reason: 'stop_timeout' },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }

  async wipeLab(host: string, labId: string): Promise<void> {
    await this.stopLab(host, labId);
    await this.labCall(
      host,
      'PUT',
      `labs/${encodeURIComponent(labId)}/wipe`,
      labId,
    );
  }

  async deleteLab(host: string, labId: string): Promise<void> {
    const state = await this.cmlState(host, labId);
    if (state === undefined) return;
    if (state !== 'DEFINED_ON_CORE') await this.wipeLab(host, labId);
    const response = await this.call(
      host,
      'DELETE',
      `labs/${encodeURIComponent(labId)}`,
    );
    if (response.status === 404) return;
    this.expectOk(host, response, labId);
  }

  async labState(host: string, labId: string): Promise<LabState | undefined> {
    const state = await this.cmlState(host, labId);
    if (state === undefined) return undefined;
    return this.toLabState(host, labId, state);
  }

  async listLabs(host: string): Promise<LabSummary[]> {
    const tiles = await this.tiles(host);
    const summaries: LabSummary[] = [];
    for (const tile of tiles) {
      const marker = KEY_MARKER.exec(tile.lab_title);
      const state = await this.toLabState(host, tile.id, tile.state);
      summaries.push({
        labId: tile.id,
        title: marker ? tile.lab_title.slice(0, marker.index) : tile.lab_title,
        state,
        ...(marker ? { idempotencyKey: marker[1] } : {}),
        nodeCount: tile.node_count ?? 0,
        createdAt: tile.created ?? new Date(0).toISOString(),
      });
    }
    return summaries.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async nodes(host: string, labId: string): Promise<LabNode[]> {
    const response = await this.labCall(
      host,
      'GET',
      `labs/${encodeURIComponent(labId)}/nodes?data=true&operational=true&exclude_configurations=true`,
      labId,
    );
    const nodes = Array.isArray(response.body) ? response.body : [];
    return nodes.map(
      (node: { label?: string; state?: string; tags?: string[] }) => {
        const ports: NodePort[] = (node.tags ?? []).flatMap((tag) => {
          const match = PORT_TAG.exec(tag);
          return match ? [{ protocol: match[1], port: Number(match[2]) }] : [];
        });
        return {
          label: node.label ?? '',
          state: nodeState(node.state),
          ...(ports.length > 0 ? { ports } : {}),
        };
      },
    );
  }

  async licensing(host: string): Promise<LabEngineLicensing> {
    const response = await this.call(host, 'GET', 'licensing');
    this.expectOk(host, response);
    const status = response.body as {
      registration?: { status?: string };
      authorization?: { status?: string };
      product_license?: { active?: string; is_enterprise?: boolean };
      features?: { max?: number; in_use?: number; status?: string }[];
    };
    const enterprise =
      status.product_license?.is_enterprise === true ||
      /enterprise/i.test(status.product_license?.active ?? '');
    const features = status.features ?? [];
    const limits = features
      .map((feature) => feature.max)
      .filter((max): max is number => typeof max === 'number');
    const inUse = features
      .map((feature) => feature.in_use)
      .filter((count): count is number => typeof count === 'number');
    const registration = status.registration?.status;
    const authorization = status.authorization?.status;
    const words = [
      registration ? `registration ${registration}` : undefined,
      authorization ? `authorization ${authorization}` : undefined,
    ].filter((word): word is string => word !== undefined);
    return {
      licenseType: enterprise ? 'ENTERPRISE' : 'PERSONAL',
      status: cmlLicenseStatus(
        registration,
        authorization,
        features.some((feature) => feature.status === 'OUT_OF_COMPLIANCE'),
      ),
      ...(words.length > 0 ? { detail: words.join(', ') } : {}),
      ...(limits.length > 0 ? { nodeLimit: Math.max(...limits) } : {}),
      ...(inUse.length > 0 ? { nodesInUse: Math.max(...inUse) } : {}),
    };
  }

  close(): void {
    this.transport.close();
  }

  private async importOnce(
    host: string,
    request: ImportLabRequest,
  ): Promise<ImportLabResult> {
    const existing = (await this.tiles(host)).find(
      (tile) => KEY_MARKER.exec(tile.lab_title)?.[1] === request.idempotencyKey,
    );
    if (existing) return { labId: existing.id, created: false };
    const title = `${request.title} [lcm:${request.idempotencyKey}]`;
    const response = await this.call(
      host,
      'POST',
      `import?title=${encodeURIComponent(title)}`,
      { text: request.yaml },
    );
    if (response.status === 400) {
      throw new InvalidParameter(
        'yaml',
        `CML refused the lab: ${describe(response)}`,
      );
    }
    this.expectOk(host, response);
    const labId = (response.body as { id?: unknown })?.id;
    if (typeof labId !== 'string') {
      throw new OperationFailed(`CML on ${host} returned no lab id`, {
        reason: 'cml',
      });
    }
    return { labId, created: true };
  }

  private async tiles(host: string): Promise<CmlLabTile[]> {
    const response = await this.call(host, 'GET', 'populate_lab_tiles');
    this.expectOk(host, response);
    const body = response.body as { lab_tiles?: Record<string, CmlLabTile> };
    return Object.values(body?.lab_tiles ?? {});
  }

  /** CML's own lab state, or undefined for an unknown lab. */
  private async cmlState(
    host: string,
    labId: string,
  ): Promise<string | undefined> {
    const response = await this.call(
      host,
      'GET',
      `labs/${encodeURIComponent(labId)}/state`,
    );
    if (response.status === 404) return undefined;
    this.expectOk(host, response, labId);
    return String(response.body);
  }

  /** STARTED splits into STARTING (nodes still booting) and STARTED (converged). */
  private async toLabState(
    host: string,
    labId: string,
    state: string,
  ): Promise<LabState> {
    switch (state) {
      case 'STARTED': {
        const converged = await this.labCall(
          host,
          'GET',
          `labs/${encodeURIComponent(labId)}/check_if_converged`,
          labId,
        );
        return converged.body === true ? 'STARTED' : 'STARTING';
      }
      case 'QUEUED':
        return 'STARTING';
      case 'STOPPED':
        return 'STOPPED';
      default:
        return 'DEFINED';
    }
  }

  private async labCall(
    host: string,
    method: string,
    path: string,
    labId: string,
  ): Promise<CmlResponse> {
    const response = await this.call(host, method, path);
    this.expectOk(host, response, labId);
    return response;
  }

  /** An authenticated call; a 401 renews the token once. Unreachable -> LabEngineUnavailable. */
  private async call(
    host: string,
    method: string,
    path: string,
    body: { text?: string } = {},
  ): Promise<CmlResponse> {
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.token(host);
      const response = await this.transport
        .send(host, method, path, { token, ...body })
        .catch((error: unknown) => {
          throw error instanceof CmlUnreachable
            ? new LabEngineUnavailable(host, 'UNAVAILABLE')
            : error;
        });
      if (response.status !== 401) return response;
      this.tokens.delete(host);
      if (attempt >= 1) {
        throw new AuthenticationFailed(`CML on ${host} refused the token`);
      }
    }
  }

  private token(host: string): Promise<string> {
    let token = this.tokens.get(host);
    if (!token) {
      token = this.authenticate(host);
      this.tokens.set(host, token);
      token.catch(() => this.tokens.delete(host));
    }
    return token;
  }

  private async authenticate(host: string): Promise<string> {
    const credentials = await this.options.credentials(host);
    const response = await this.transport
      .send(host, 'POST', 'authenticate', {
        json: {
          username: credentials.username,
          password: credentials.password,
        },
      })
      .catch((error: unknown) => {
        throw error instanceof CmlUnreachable
          ? new LabEngineUnavailable(host, 'UNAVAILABLE')
          : error;
      });
    if (response.status === 401 || response.status === 403) {
      throw new AuthenticationFailed(
        `CML on ${host} refused the credentials of user ${credentials.username}`,
      );
    }
    this.expectOk(host, response);
    if (typeof response.body !== 'string' || response.body === '') {
      throw new OperationFailed(`CML on ${host} returned no token`, {
        reason: 'cml',
      });
    }
    return response.body;
  }

  private expectOk(host: string, response: CmlResponse, labId?: string): void {
    if (response.status >= 200 && response.status < 300) return;
    throw statusError(host, response, labId);
  }
}

function statusError(
  host: string,
  response: CmlResponse,
  labId: string | undefined,
): ProviderError {
  if (response.status === 404 && labId !== undefined) {
    return new LabNotFound(host, labId);
  }
  if (response.status === 502 || response.status === 503) {
    return new LabEngineUnavailable(host, 'STARTING');
  }
  if (response.status === 403) {
    return new AuthenticationFailed(`CML on ${host}: ${describe(response)}`);
  }
  return new OperationFailed(`CML on ${host} answered ${describe(response)}`, {
    reason: 'cml',
    retryable: response.status >= 500 || response.status === 429,
  });
}

/** `400 Lab ... must be stopped` (CML's error body is `{code, description}`). */
function describe(response: CmlResponse): string {
  const description = (response.body as { description?: unknown })?.description;
  return `${response.status} ${typeof description === 'string' ? description : response.text.slice(0, 200)}`;
}

/**
 * CML's Smart Licensing words to LCM's licence status. Authorization decides (IN_COMPLIANCE,
 * EVAL, EVAL_EXPIRED / AUTH_EXPIRED, OUT_OF_COMPLIANCE); a feature out of compliance (more nodes
 * than licensed) makes it INVALID; without an authorization word, a registration that COMPLETED
 * counts as registered. An authorization word CML may add later is INVALID until LCM knows it:
 * an engine whose licence LCM cannot read is not given new labs.
 */
function cmlLicenseStatus(
  registration: string | undefined,
  authorization: string | undefined,
  overLimit: boolean,
): LicenseStatus {
  if (overLimit) return 'INVALID';
  switch (authorization) {
    case 'IN_COMPLIANCE':
      return registration === undefined || registration === 'COMPLETED'
        ? 'REGISTERED'
        : 'UNREGISTERED';
    case 'EVAL':
    case 'EVALUATION':
      return 'EVALUATION';
    case 'EVAL_EXPIRED':
    case 'AUTH_EXPIRED':
    case 'EXPIRED':
      return 'EXPIRED';
    case 'OUT_OF_COMPLIANCE':
    case 'NOT_AUTHORIZED':
      return 'INVALID';
    case undefined:
      if (registration === 'COMPLETED') return 'REGISTERED';
      return registration === 'EXPIRED' ? 'EXPIRED' : 'UNREGISTERED';
    default:
      return 'INVALID';
  }
}

function nodeState(state: string | undefined): LabState {
  switch (state) {
    case 'BOOTED':
      return 'STARTED';
    case 'STARTED':
    case 'QUEUED':
      return 'STARTING';
    case 'STOPPED':
      return 'STOPPED';
    default:
      return 'DEFINED';
  }
}
