import { extractPortPlaceholders, readLabYamlNodes } from '@lcm/domain';
import {
  InvalidParameter,
  LabNotFound,
  OperationFailed,
} from '../ports/provider-errors';
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
import type { FleetCore } from './fleet-core';
import {
  labIsActive,
  labState,
  type SimLabNode,
  type SimLabRecord,
  type SimVmRecord,
} from './fleet-records';

/** docs/decisions/0012-lab-yaml-inline-versioned-by-hash.md: lab YAML is at most 1 MiB. */
export const MAX_LAB_YAML_BYTES = 1024 * 1024;

const PORT_TAG = /^([A-Za-z][\w-]*):(\d{1,5})$/;

function requireText(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidParameter(field, 'must be a non-empty string');
  }
  return value;
}

/** Node labels and `protocol:port` tags of a lab YAML. */
function parseNodes(yaml: string): SimLabNode[] {
  return readLabYamlNodes(yaml).map((node, index) => {
    const ports: NodePort[] = [];
    for (const tag of node.tags) {
      const match = PORT_TAG.exec(tag);
      const port = match ? Number(match[2]) : NaN;
      if (match && port >= 1 && port <= 65535) {
        ports.push({ protocol: match[1].toLowerCase(), port });
      }
    }
    return { label: node.label || node.id || `n${index}`, ports };
  });
}

/** The simulated fleet's LabRuntime. Obtain it from `SimulatedFleet.runtime`. */
export class SimulatedLabRuntime implements LabRuntime {
  readonly name = 'simulated';

  constructor(private readonly core: FleetCore) {}

  async health(host: string): Promise<LabEngineHealth> {
    await this.core.apiCall();
    const vm = typeof host === 'string' ? this.core.getByHost(host) : undefined;
    const status = this.core.engineStatus(vm);
    const version =
      vm && status !== 'UNAVAILABLE' ? this.core.engineVersion(vm) : undefined;
    return version === undefined ? { status } : { status, version };
  }

  async importLab(
    host: string,
    request: ImportLabRequest,
  ): Promise<ImportLabResult> {
    requireText('host', host);
    const nodes = this.validateImport(request);
    await this.core.apiCall();
    const core = this.core;
    const vm = core.requireEngine(host);
    const key = request.idempotencyKey;

    const existing = core.findLabByKey(vm, key);
    if (existing) return { labId: existing.id, created: false };
    const flightKey = `${vm.id}\u0000${key}`;
    const inflight = core.inflightImports.get(flightKey);
    if (inflight) return { labId: (await inflight).labId, created: false };

    const attempt = core.nextAttempt(vm, `import:${key}`);
    const fault =
      core.takeFault(core.faults.imports, host) ??
      (core.random.chance(
        core.config.failures.labImportFailureRate,
        'import-fail',
        vm.id,
        key,
        attempt,
      )
        ? new OperationFailed(`lab import failed on ${host}`, {
            retryable: true,
            reason: 'import_failed',
          })
        : undefined);
    const labId = core.newLabId(vm, key, attempt);
    const delay = core.config.latency.labImportMs;

    const run = (async () => {
      await core.pause(delay);
      if (fault) throw fault;
      // The VM may have stopped (or the fleet been restored) while the import ran.
      const current = core.requireEngine(host);
      const raced = core.findLabByKey(current, key);
      if (raced) return { labId: raced.id };
      const lab: SimLabRecord = {
        id: labId,
        idempotencyKey: key,
        title: request.title,
        createdAt: core.now(),
        state: 'DEFINED',
        readyAt: null,
        nodes,
      };
      current.labs[labId] = lab;
      core.touch();
      return { labId };
    })();
    core.inflightImports.set(flightKey, run);
    try {
      return { labId: (await run).labId, created: true };
    } finally {
      core.inflightImports.delete(flightKey);
    }
  }

  async startLab(host: string, labId: string): Promise<void> {
    await this.core.apiCall();
    const core = this.core;
    const { vm, lab } = this.requireLab(host, labId);
    if (lab.state === 'STARTED') return;
    const attempt = core.nextAttempt(vm, `start:${labId}`);
    const fault =
      core.takeFault(core.faults.labStarts, host) ??
      (core.random.chance(
        core.config.failures.labStartFailureRate,
        'start-fail',
        vm.id,
        labId,
        attempt,
      )
        ? new OperationFailed(`lab ${labId} failed to start on ${host}`, {
            retryable: true,
            reason: 'start_failed',
          })
        : undefined);
    if (fault) throw fault;
    lab.state = 'STARTED';
    lab.readyAt = core.now() + core.config.latency.labStartMs;
    core.touch();
  }

  async stopLab(host: string, labId: string): Promise<void> {
    await this.core.apiCall();
    const { lab } = this.requireLab(host, labId);
    if (lab.state !== 'STARTED') return;
    await this.stopNodes(host, labId);
  }

  async wipeLab(host: string, labId: string): Promise<void> {
    await this.core.apiCall();
    const { lab } = this.requireLab(host, labId);
    if (lab.state === 'WIPED') return;
    if (lab.state === 'STARTED') await this.stopNodes(host, labId);
    const after = this.requireLab(host, labId).lab;
    after.state = 'WIPED';
    after.readyAt = null;
    this.core.touch();
  }

  async deleteLab(host: string, labId: string): Promise<void> {
    requireText('labId', labId);
    await this.core.apiCall();
    const vm = this.core.requireEngine(host);
    const lab = vm.labs[labId];
    if (!lab) return;
    if (lab.state === 'STARTED') await this.stopNodes(host, labId);
    const current = this.core.requireEngine(host);
    if (current.labs[labId]) {
      delete current.labs[labId];
      this.core.touch();
    }
  }

  async labState(host: string, labId: string): Promise<LabState | undefined> {
    requireText('labId', labId);
    await this.core.apiCall();
    const lab = this.core.requireEngine(host).labs[labId];
    return lab ? labState(lab, this.core.now()) : undefined;
  }

  async listLabs(host: string): Promise<LabSummary[]> {
    await this.core.apiCall();
    const vm = this.core.requireEngine(host);
    const now = this.core.now();
    return (
      Object.values(vm.labs)
        // import order (stable sort; records keep insertion order)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((lab) => ({
          labId: lab.id,
          title: lab.title,
          state: labState(lab, now),
          idempotencyKey: lab.idempotencyKey,
          nodeCount: lab.nodes.length,
          createdAt: this.core.iso(lab.createdAt),
        }))
    );
  }

  async nodes(host: string, labId: string): Promise<LabNode[]> {
    await this.core.apiCall();
    const { lab } = this.requireLab(host, labId);
    const state = labState(lab, this.core.now());
    return lab.nodes.map((node) =>
      node.ports.length > 0
        ? { label: node.label, state, ports: node.ports.map((p) => ({ ...p })) }
        : { label: node.label, state },
    );
  }

  /**
   * The engine's licence (docs: SimulatedFleet.setLicense changes it), with the nodes of its
   * started labs in use, as CML counts them.
   */
  async licensing(host: string): Promise<LabEngineLicensing> {
    await this.core.apiCall();
    const vm = this.core.requireEngine(host);
    const license = this.core.engineLicense(vm);
    const nodesInUse = Object.values(vm.labs)
      .filter(labIsActive)
      .reduce((sum, lab) => sum + lab.nodes.length, 0);
    return {
      licenseType: license.licenseType,
      status: license.status,
      ...(license.nodeLimit !== null ? { nodeLimit: license.nodeLimit } : {}),
      nodesInUse,
    };
  }

  /** Powers a started lab's nodes off over `labStopMs`. */
  private async stopNodes(host: string, labId: string): Promise<void> {
    await this.core.pause(this.core.config.latency.labStopMs);
    const { lab } = this.requireLab(host, labId);
    if (lab.state === 'STARTED') {
      lab.state = 'STOPPED';
      lab.readyAt = null;
      this.core.touch();
    }
  }

  private requireLab(
    host: string,
    labId: string,
  ): { vm: SimVmRecord; lab: SimLabRecord } {
    requireText('labId', labId);
    const vm = this.core.requireEngine(host);
    const lab = vm.labs[labId];
    if (!lab) throw new LabNotFound(host, labId);
    return { vm, lab };
  }

  private validateImport(request: ImportLabRequest): SimLabNode[] {
    if (typeof request !== 'object' || request === null) {
      throw new InvalidParameter('request', 'must be an object');
    }
    requireText('idempotencyKey', request.idempotencyKey);
    requireText('title', request.title);
    requireText('yaml', request.yaml);
    if (Buffer.byteLength(request.yaml, 'utf8') > MAX_LAB_YAML_BYTES) {
      throw new InvalidParameter(
        'yaml',
        `larger than ${MAX_LAB_YAML_BYTES} bytes`,
      );
    }
    const leftover = extractPortPlaceholders(request.yaml);
    if (leftover.length > 0) {
      throw new InvalidParameter(
        'yaml',
        `unresolved port placeholders (${leftover.join(', ')}); rewrite the YAML first`,
      );
    }
    return parseNodes(request.yaml);
  }
}
