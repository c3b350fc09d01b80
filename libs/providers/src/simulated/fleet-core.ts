import { versionInText, systemClock, type Clock } from '@lcm/domain';
import type { LabEngineStatus } from '../ports/lab-runtime';
import {
  InstanceNotFound,
  LabEngineUnavailable,
  type ProviderError,
} from '../ports/provider-errors';
import type { CloudInstanceStatus } from '../ports/worker-provider';
import {
  DEFAULT_INSTANCE_CAPACITY,
  resolveFleetConfig,
  type FleetConfig,
  type SimulatedFleetOptions,
} from './fleet-config';
import {
  vmChecks,
  vmState,
  type SimLabRecord,
  type SimLicense,
  type SimVmRecord,
} from './fleet-records';
import {
  parseFleetSnapshot,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  type SimulatedFleetSnapshot,
} from './fleet-snapshot';
import { SeededRandom } from './seeded-random';

const HOUR = 3_600_000;

/** A one-shot fault from a test hook, optionally bound to one host. */
export interface InjectedFault {
  host: string | undefined;
  error: ProviderError;
}

/**
 * Shared state of the simulated data plane: the VMs, their labs and the indexes over them. The
 * WorkerProvider and LabRuntime facades both work on one core. Internal to the library.
 */
export class FleetCore {
  readonly clock: Clock;
  config: FleetConfig;
  readonly random: SeededRandom;
  /** +1 on every change of stored state (a persister can skip writing an unchanged fleet). */
  revision = 0;

  private vms = new Map<string, SimVmRecord>();
  private byHost = new Map<string, string>();
  private byKey = new Map<string, string>();
  private provisionAttempts = new Map<string, number>();
  private counters = { privateIp: 0, publicIp: 0, unmanaged: 0 };

  readonly faults = {
    provision: [] as ProviderError[],
    imports: [] as InjectedFault[],
    labStarts: [] as InjectedFault[],
  };
  /** Imports in flight, by `${vmId}\0${idempotencyKey}`, so a concurrent repeat joins the first. */
  readonly inflightImports = new Map<string, Promise<{ labId: string }>>();

  constructor(options: SimulatedFleetOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.config = resolveFleetConfig(options);
    this.random = new SeededRandom(this.config.seed);
    if (options.snapshot) this.restore(options.snapshot);
  }

  now(): number {
    return this.clock.now();
  }

  iso(ms: number): string {
    return new Date(ms).toISOString();
  }

  private changeListeners: (() => void)[] = [];
  private changeQueued = false;

  /**
   * Marks a change of stored state. Listeners run once per burst of changes, in a microtask: after
   * the synchronous code that made the change finished, and before the caller of the operation
   * that made it resumes (its continuation is queued after this microtask).
   */
  touch(): void {
    this.revision++;
    if (this.changeListeners.length === 0 || this.changeQueued) return;
    this.changeQueued = true;
    queueMicrotask(() => {
      this.changeQueued = false;
      for (const listener of this.changeListeners) listener();
    });
  }

  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  async pause(ms: number): Promise<void> {
    if (ms > 0) await this.clock.sleep(ms);
  }

  /** The network round trip every call pays. */
  apiCall(): Promise<void> {
    return this.pause(this.config.latency.apiLatencyMs);
  }

  // ---- lookups (each settles lazily-computed events and forgets expired VMs) ----

  get(cloudId: string): SimVmRecord | undefined {
    const vm = this.vms.get(cloudId);
    return vm && this.settle(vm, this.now()) ? vm : undefined;
  }

  getByHost(host: string): SimVmRecord | undefined {
    const id = this.byHost.get(host);
    return id === undefined ? undefined : this.get(id);
  }

  getByKey(key: string): SimVmRecord | undefined {
    const id = this.byKey.get(key);
    return id === undefined ? undefined : this.get(id);
  }

  require(cloudId: string): SimVmRecord {
    const vm = this.get(cloudId);
    if (!vm) throw new InstanceNotFound(cloudId);
    return vm;
  }

  /** Every VM still known, in launch order. */
  all(): SimVmRecord[] {
    const now = this.now();
    const out: SimVmRecord[] = [];
    for (const vm of [...this.vms.values()]) {
      if (this.settle(vm, now)) out.push(vm);
    }
    return out.sort(
      (a, b) =>
        a.launchedAt - b.launchedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  }

  /**
   * Applies what happened by `now` without a call: a running VM whose vanish time passed is
   * terminated (at that time). Forgets a VM terminated longer than the retention. False if forgotten.
   */
  private settle(vm: SimVmRecord, now: number): boolean {
    if (vm.phase === 'run' && vm.vanishAt !== null && now >= vm.vanishAt) {
      this.beginTerminate(vm, vm.vanishAt, 0, true);
    }
    if (
      vm.phase === 'terminate' &&
      now >= vm.readyAt + this.config.terminatedRetentionMs
    ) {
      this.forget(vm);
      return false;
    }
    return true;
  }

  private forget(vm: SimVmRecord): void {
    this.vms.delete(vm.id);
    if (this.byHost.get(vm.hostname) === vm.id) this.byHost.delete(vm.hostname);
    if (
      vm.idempotencyKey !== null &&
      this.byKey.get(vm.idempotencyKey) === vm.id
    ) {
      this.byKey.delete(vm.idempotencyKey);
    }
    this.touch();
  }

  // ---- creation ----

  nextProvisionAttempt(key: string): number {
    const attempt = (this.provisionAttempts.get(key) ?? 0) + 1;
    this.provisionAttempts.set(key, attempt);
    this.touch();
    return attempt;
  }

  /** `i-` + 17 hex characters, derived from the key parts, unique in the fleet. */
  newVmId(...parts: (string | number)[]): string {
    for (let salt = 0; ; salt++) {
      const id = `i-${this.random.hex(17, 'vm-id', ...parts, salt)}`;
      if (!this.vms.has(id)) return id;
    }
  }

  private hostnameFor(id: string): string {
    const short = id.slice(2, 12);
    const preferred = `w-${short}.${this.config.hostDomain}`;
    return this.byHost.has(preferred)
      ? `w-${id.slice(2)}.${this.config.hostDomain}`
      : preferred;
  }

  /** 10.a.b.c, skipping .0 and .255 host parts. */
  private nextPrivateIp(): string {
    let n: number;
    do {
      n = ++this.counters.privateIp;
    } while ((n & 0xff) === 0 || (n & 0xff) === 0xff);
    return `10.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
  }

  /** 100.64.0.0/10 (shared address space): not a real public address. */
  private nextPublicIp(): string {
    let n: number;
    do {
      n = ++this.counters.publicIp;
    } while ((n & 0xff) === 0 || (n & 0xff) === 0xff);
    return `100.${64 + ((n >>> 16) & 0x3f)}.${(n >>> 8) & 0xff}.${n & 0xff}`;
  }

  nextUnmanagedIndex(): number {
    return ++this.counters.unmanaged;
  }

  /** Creates a VM record in the run phase (booting for `bootTimeMs`). */
  launch(input: {
    id: string;
    idempotencyKey: string | null;
    templateName: string | null;
    instanceType: string;
    region: string;
    amiName: string;
    tags: Record<string, string>;
    license?: SimLicense;
  }): SimVmRecord {
    const now = this.now();
    const vm: SimVmRecord = {
      ...input,
      tags: { ...input.tags },
      hostname: this.hostnameFor(input.id),
      privateIp: this.nextPrivateIp(),
      publicIp: null,
      launchedAt: now,
      phase: 'run',
      phaseAt: now,
      readyAt: now,
      serviceReadyAt: null,
      vanishAt: null,
      vanished: false,
      engineError: false,
      impaired: false,
      runCount: 0,
      attempts: {},
      labs: {},
    };
    this.vms.set(vm.id, vm);
    this.byHost.set(vm.hostname, vm.id);
    if (vm.idempotencyKey !== null) this.byKey.set(vm.idempotencyKey, vm.id);
    this.beginRun(vm, now, this.config.latency.bootTimeMs);
    return vm;
  }

  // ---- lifecycle ----

  beginRun(vm: SimVmRecord, now: number, bootMs: number): void {
    const { latency, failures } = this.config;
    vm.runCount++;
    vm.phase = 'run';
    vm.phaseAt = now;
    vm.readyAt = now + bootMs;
    vm.serviceReadyAt = vm.readyAt + latency.serviceStartMs;
    vm.publicIp = this.nextPublicIp();
    vm.impaired = false;
    vm.engineError = this.random.chance(
      failures.engineFailureRate,
      'engine',
      vm.id,
      vm.runCount,
    );
    const hours = this.random.exponential(
      failures.vanishRate,
      'vanish',
      vm.id,
      vm.runCount,
    );
    vm.vanishAt = Number.isFinite(hours)
      ? vm.readyAt + Math.round(hours * HOUR)
      : null;
    this.touch();
  }

  beginStop(vm: SimVmRecord, now: number): void {
    vm.phase = 'stop';
    vm.phaseAt = now;
    vm.readyAt = now + this.config.latency.stopTimeMs;
    this.leaveRun(vm);
    // Nodes power off with the VM; the labs stay defined on the disk.
    for (const lab of Object.values(vm.labs)) {
      if (lab.state === 'STARTED') {
        lab.state = 'STOPPED';
        lab.readyAt = null;
      }
    }
    this.touch();
  }

  beginTerminate(
    vm: SimVmRecord,
    now: number,
    durationMs: number,
    vanished = false,
  ): void {
    vm.phase = 'terminate';
    vm.phaseAt = now;
    vm.readyAt = now + durationMs;
    vm.vanished = vanished;
    this.leaveRun(vm);
    vm.labs = {};
    this.touch();
  }

  private leaveRun(vm: SimVmRecord): void {
    vm.serviceReadyAt = null;
    vm.vanishAt = null;
    vm.publicIp = null;
    vm.engineError = false;
  }

  /** VMs that hold quota: pending, running or stopping. */
  activeCount(now: number): number {
    let count = 0;
    for (const vm of this.vms.values()) {
      const state = vmState(vm, now);
      if (state === 'pending' || state === 'running' || state === 'stopping')
        count++;
    }
    return count;
  }

  toStatus(vm: SimVmRecord, now = this.now()): CloudInstanceStatus {
    const state = vmState(vm, now);
    const status: CloudInstanceStatus = {
      id: vm.id,
      state,
      checks: vmChecks(vm, now),
      amiName: vm.amiName,
      instanceType: vm.instanceType,
      region: vm.region,
      launchedAt: this.iso(vm.launchedAt),
      tags: { ...vm.tags },
    };
    if (state !== 'terminated') {
      status.hostname = vm.hostname;
      status.privateIp = vm.privateIp;
    }
    if (vm.publicIp !== null && (state === 'pending' || state === 'running')) {
      status.publicIp = vm.publicIp;
    }
    return status;
  }

  // ---- lab engine ----

  engineStatus(vm: SimVmRecord | undefined, now = this.now()): LabEngineStatus {
    if (!vm || vmState(vm, now) !== 'running') return 'UNAVAILABLE';
    if (vm.serviceReadyAt !== null && now < vm.serviceReadyAt)
      return 'STARTING';
    return vm.engineError ? 'ERROR' : 'AVAILABLE';
  }

  /**
   * The licence the VM's engine runs with: what it was provisioned with, else a Personal licence
   * limited to its instance type's node capacity (20 for a type the options do not list).
   */
  engineLicense(vm: SimVmRecord): SimLicense {
    if (vm.license) return vm.license;
    const capacity =
      this.config.instanceTypes?.[vm.instanceType] ?? DEFAULT_INSTANCE_CAPACITY;
    return {
      licenseType: 'PERSONAL',
      status: 'REGISTERED',
      nodeLimit: capacity.maxNodes,
    };
  }

  engineVersion(vm: SimVmRecord): string | undefined {
    return versionInText(vm.amiName) ?? undefined;
  }

  /** The VM behind `host` when its engine can serve a call; LabEngineUnavailable otherwise. */
  requireEngine(host: string): SimVmRecord {
    const vm = this.getByHost(host);
    const status = this.engineStatus(vm);
    if (!vm || status !== 'AVAILABLE') {
      throw new LabEngineUnavailable(
        host,
        status === 'AVAILABLE' ? 'UNAVAILABLE' : status,
      );
    }
    return vm;
  }

  nextAttempt(vm: SimVmRecord, key: string): number {
    const attempt = (vm.attempts[key] ?? 0) + 1;
    vm.attempts[key] = attempt;
    this.touch();
    return attempt;
  }

  findLabByKey(vm: SimVmRecord, key: string): SimLabRecord | undefined {
    return Object.values(vm.labs).find((lab) => lab.idempotencyKey === key);
  }

  /** Lab ids look like CML's UUIDs and derive from (seed, vm, key, attempt). */
  newLabId(vm: SimVmRecord, key: string, attempt: number): string {
    for (let salt = 0; ; salt++) {
      const h = this.random.hex(32, 'lab-id', vm.id, key, attempt, salt);
      const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
      if (!vm.labs[id]) return id;
    }
  }

  /** Takes the first one-shot fault for `host` (or for any host) off a hook queue. */
  takeFault(queue: InjectedFault[], host: string): ProviderError | undefined {
    const index = queue.findIndex(
      (f) => f.host === undefined || f.host === host,
    );
    return index < 0 ? undefined : queue.splice(index, 1)[0].error;
  }

  // ---- persistence ----

  snapshot(): SimulatedFleetSnapshot {
    const vms = this.all();
    return structuredClone({
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      takenAt: this.iso(this.now()),
      counters: { ...this.counters },
      provisionAttempts: Object.fromEntries(this.provisionAttempts),
      vms,
    });
  }

  /** Replaces the whole state with the snapshot's. */
  restore(snapshot: SimulatedFleetSnapshot): void {
    const parsed = parseFleetSnapshot(snapshot);
    this.vms = new Map();
    this.byHost = new Map();
    this.byKey = new Map();
    for (const vm of parsed.vms) {
      this.vms.set(vm.id, vm);
      this.byHost.set(vm.hostname, vm.id);
    }
    // The key index points at the live VM of a key, else its newest (older ones are terminated).
    const rank = (vm: SimVmRecord) => (vm.phase === 'terminate' ? 0 : 1);
    const ordered = [...parsed.vms].sort(
      (a, b) => rank(a) - rank(b) || a.launchedAt - b.launchedAt,
    );
    for (const vm of ordered) {
      if (vm.idempotencyKey !== null) this.byKey.set(vm.idempotencyKey, vm.id);
    }
    this.provisionAttempts = new Map(Object.entries(parsed.provisionAttempts));
    this.counters = { ...parsed.counters };
    this.touch();
  }
}
