// The controller's unit-test bench: memory stores, the simulated fleet on a manual clock, the real
// reconcilers under a real leader fence, and stand-ins for the other writers (the scheduler's
// placement, the api's requests), all through the domain's transitions. Not part of the app.
import { MemoryDocStore } from '@lcm/doc-store';
import {
  createInstance,
  instanceSpecOf,
  requestInstanceAction,
  requestWorkerAction,
  scheduleInstance,
  type InstanceAction,
  type InstanceChange,
  type InstanceSpec,
  type LabletInstance,
  type Worker,
  type WorkerAction,
  type WorkerChange,
  type LabletDefinition,
  type NewLabletDefinition,
  type NewWorkerTemplate,
  ManualClock,
} from '@lcm/domain';
import { toOutboxEvents } from '@lcm/events';
import {
  createSimulatedFleet,
  type SimulatedFleet,
  type SimulatedFleetOptions,
} from '@lcm/providers';
import { orderPendingQueue, placeInstance } from '@lcm/scheduling';
import {
  InstanceStore,
  KeyLayout,
  LeaderElection,
  MemoryStateStore,
  WorkerStore,
  type Fence,
  type OutboxEvent,
  type StateStore,
  type Versioned,
  type WorkerView,
} from '@lcm/state-store';
import { Registry } from 'prom-client';
import type { ControllerSettings } from '../src/config';
import { LabYamlSource } from '../src/documents/lab-yaml-source';
import { TemplateCatalog } from '../src/documents/template-catalog';
import { ControllerMetrics } from '../src/metrics/controller-metrics';
import { ClusterView } from '../src/reconcile/cluster-view';
import {
  ControllerReconciler,
  type PassReport,
} from '../src/reconcile/controller-reconciler';

export const T0 = '2026-01-16T10:00:00.000Z';
export const MINUTE = 60_000;

export const DEFAULT_SETTINGS: ControllerSettings = {
  enabled: true,
  replicaId: 'controller-test',
  reconcileIntervalSeconds: 30,
  leaderLeaseTtlSeconds: 10,
  requeueDelayMs: 1000,
  concurrency: 8,
  passMaxItems: 1000,
  // Every pass describes every worker (the tests of sampling set it).
  statusSyncSeconds: 0,
  // Every pass reads every running worker's licence (the tests of its cadence set it).
  licenseSyncSeconds: 0,
  scaleDownGracePeriodMinutes: 30,
  leadTimeMinutes: 35,
  instantiationAllowanceMinutes: 15,
  instantiationTimeoutMinutes: 15,
  terminatedRetentionMinutes: 60,
  timeslotGraceMinutes: 5,
  autoCollectAtTimeslotEnd: true,
  collectionTimeoutMinutes: 60,
  deleteGraceSeconds: 60,
  minWarmWorkers: 0,
  maxWorkersPerTemplate: 100,
  maxWorkers: 200,
  maxScaleUpInFlight: 20,
  region: 'local',
  orphanSweepSeconds: 300,
  orphanGraceMinutes: 30,
};

/** 48 cpu / 192 GB / 500 GB / 20 nodes, PERSONAL, in the test region. */
export function personalTemplate(
  overrides: Partial<NewWorkerTemplate> = {},
): NewWorkerTemplate {
  return {
    name: 'personal-standard',
    instanceType: 'm5zn.metal',
    capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 },
    licenseType: 'PERSONAL',
    maxNodes: 20,
    amiPattern: 'CML-2.9.*',
    region: 'local',
    startupTimeMinutes: 20,
    portRange: { start: 2000, end: 9999 },
    drainTimeoutHours: 4,
    tags: { Environment: 'test' },
    ...overrides,
  };
}

/** Two nodes: a console on one, console and VNC on the other (docs/lab-yaml.md#rewriting's sample, templated). */
export const LAB_YAML = [
  'lab:',
  '  title: DEVASC sample',
  'nodes:',
  '  - id: n0',
  '    label: vmanage-mock',
  '    tags:',
  '      - serial:${PORT_SERIAL_1}',
  '  - id: n1',
  '    label: ubuntu-desktop',
  '    tags:',
  '      - serial:${PORT_SERIAL_2}',
  '      - vnc:${PORT_VNC_1}',
  'annotations:',
  '  - tag: serial:${PORT_SERIAL_1}',
  '',
].join('\n');

/** 4 cpu / 8 GB / 50 GB / 2 nodes and three ports: ten fit on a personal worker (storage and nodes). */
export function labDefinition(
  overrides: Partial<NewLabletDefinition> = {},
): NewLabletDefinition {
  return {
    name: 'devasc-lab',
    version: '1.0.0',
    labYaml: LAB_YAML,
    resourceRequirements: {
      cpuCores: 4,
      memoryGb: 8,
      storageGb: 50,
      nestedVirt: true,
    },
    licenseAffinity: ['PERSONAL'],
    nodeCount: 2,
    portTemplate: {
      ports: [
        { name: 'serial_1', protocol: 'tcp' },
        { name: 'serial_2', protocol: 'tcp' },
        { name: 'vnc_1', protocol: 'tcp' },
      ],
    },
    maxDurationMinutes: 240,
    createdBy: 'admin',
    ...overrides,
  };
}

export interface HarnessOptions {
  settings?: Partial<ControllerSettings>;
  /** Fleet timings; default: zero latency (everything completes at once). */
  fleet?: SimulatedFleetOptions;
  templates?: NewWorkerTemplate[];
  /** Another replica: the same store, documents, data plane and clock (two controllers, one cluster). */
  replicaOf?: ControllerHarness;
}

export interface NewInstanceOptions {
  id?: string;
  /** Start relative to the clock, in minutes (default 0: ASAP). */
  startInMinutes?: number;
  durationMinutes?: number;
  definition?: LabletDefinition;
  ownerId?: string;
  spec?: Partial<InstanceSpec>;
}

export class ControllerHarness {
  readonly keys = new KeyLayout('/lcm');
  readonly instances: InstanceStore;
  readonly workers: WorkerStore;
  readonly metrics = new ControllerMetrics(new Registry());
  readonly reconciler: ControllerReconciler;
  /** The reconciler's informer-fed picture (started by the first pass or runtime). */
  readonly view: ClusterView;
  readonly settings: ControllerSettings;
  private election?: LeaderElection;
  private fenceValue?: Fence;
  private nextInstance = 1;
  private nextWorker = 1;

  private constructor(
    readonly store: MemoryStateStore,
    readonly docs: MemoryDocStore,
    readonly clock: ManualClock,
    readonly fleet: SimulatedFleet,
    readonly definition: LabletDefinition,
    options: HarnessOptions,
    private readonly ownsDocs: boolean,
  ) {
    this.instances = new InstanceStore(store, this.keys);
    this.workers = new WorkerStore(store, this.keys);
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.view = new ClusterView({
      store,
      keys: this.keys,
      instances: this.instances,
      workers: this.workers,
    });
    this.reconciler = new ControllerReconciler({
      view: this.view,
      instances: this.instances,
      workers: this.workers,
      provider: fleet.provider,
      runtime: fleet.runtime,
      templates: new TemplateCatalog(docs.templates, 0),
      labs: new LabYamlSource(docs.definitions),
      clock,
      settings: this.settings,
      metrics: this.metrics,
      newWorkerId: () =>
        `w-${options.replicaOf ? `${this.settings.replicaId}-` : ''}${String(this.nextWorker++).padStart(3, '0')}`,
    });
  }

  static async create(
    options: HarnessOptions = {},
  ): Promise<ControllerHarness> {
    const peer = options.replicaOf;
    if (peer)
      return new ControllerHarness(
        peer.store,
        peer.docs,
        peer.clock,
        peer.fleet,
        peer.definition,
        { ...options, settings: { ...peer.settings, ...options.settings } },
        false,
      );
    const clock = new ManualClock(T0);
    const store = new MemoryStateStore();
    const docs = await MemoryDocStore.open({
      clock,
    });
    for (const template of options.templates ?? [personalTemplate()])
      await docs.templates.create(template);
    const definition = await docs.definitions.create(labDefinition());
    const fleet = createSimulatedFleet({
      profile: 'zero',
      clock,
      ...options.fleet,
    });
    return new ControllerHarness(
      store,
      docs,
      clock,
      fleet,
      definition,
      options,
      true,
    );
  }

  get now(): string {
    return this.clock.iso();
  }

  /** This replica's leader fence (campaigns on first use). */
  async fence(): Promise<Fence> {
    if (!this.fenceValue) {
      this.election = new LeaderElection({
        store: this.store,
        key: this.keys.leader('controller'),
        candidateId: this.settings.replicaId,
        ttlSeconds: 30,
      });
      this.fenceValue = await this.election.campaign();
    }
    return this.fenceValue;
  }

  /** Gives up this replica's leadership (a runtime on the same cluster can then lead). */
  async resign(): Promise<void> {
    await this.election?.resign();
    this.election = undefined;
    this.fenceValue = undefined;
  }

  /** A full pass, once the view has seen every write made so far (the other writers' too). */
  async pass(adopt = false): Promise<PassReport> {
    await this.view.synced();
    return this.reconciler.runPass(await this.fence(), { adopt });
  }

  /**
   * The scheduler and the controller taking turns until nothing changes: placements, passes, and
   * (when something is under way on the data plane) the clock moved by `stepMs`.
   */
  async settle(
    options: { stepMs?: number; maxRounds?: number } = {},
  ): Promise<PassReport> {
    const { stepMs = 0, maxRounds = 50 } = options;
    let report: PassReport | undefined;
    for (let round = 0; round < maxRounds; round++) {
      const placed = await this.place();
      report = await this.pass();
      if (placed === 0 && report.writes === 0) {
        if (report.waiting && stepMs > 0) {
          await this.clock.advance(stepMs);
          continue;
        }
        return report;
      }
    }
    throw new Error(
      `not settled after ${maxRounds} rounds: ${JSON.stringify(report)}`,
    );
  }

  async createInstance(
    options: NewInstanceOptions = {},
  ): Promise<LabletInstance> {
    const definition = options.definition ?? this.definition;
    const id =
      options.id ?? `i-${String(this.nextInstance++).padStart(3, '0')}`;
    const start = this.clock.now() + (options.startInMinutes ?? 0) * MINUTE;
    const change = createInstance(
      {
        id,
        definitionId: definition.id,
        definitionName: definition.name,
        definitionVersion: definition.version,
        spec: { ...instanceSpecOf(definition), ...options.spec },
        ownerId: options.ownerId ?? 'user-1',
        timeslotStart: new Date(start).toISOString(),
        timeslotEnd: new Date(
          start + (options.durationMinutes ?? 60) * MINUTE,
        ).toISOString(),
      },
      { now: this.now, triggeredBy: options.ownerId ?? 'user-1' },
    );
    await this.instances.commit(
      change,
      { instance: 'absent' },
      { events: toOutboxEvents(change.events, 'lcm/api') },
    );
    return change.instance;
  }

  /** The scheduler's part: every PENDING instance (`eligible`: whose window is open) in queue order onto the best running worker. */
  async place(
    eligible: (instance: LabletInstance) => boolean = () => true,
  ): Promise<number> {
    const pending = (await this.instances.list()).items.filter(
      (i) => i.value.state === 'pending',
    );
    if (pending.length === 0) return 0;
    const views = new Map(
      (await this.workers.list()).items.map(
        (v) => [v.worker.value.id, v] as const,
      ),
    );
    const byId = new Map(pending.map((p) => [p.value.id, p] as const));
    let placed = 0;
    for (const instance of orderPendingQueue(
      pending.map((p) => p.value).filter(eligible),
    )) {
      const decision = placeInstance(
        instance,
        [...views.values()].map((v) => ({
          worker: v.worker.value,
          capacity: v.capacity.value,
          ports: v.ports.value,
        })),
      );
      if (decision.action !== 'assign') continue;
      const view = views.get(decision.workerId) as WorkerView;
      const current = byId.get(instance.id) as Versioned<LabletInstance>;
      const change = scheduleInstance(
        instance,
        {
          worker: view.worker.value,
          capacity: view.capacity.value,
          ports: view.ports.value,
        },
        { now: this.now, triggeredBy: 'lcm/scheduler' },
      );
      const { revision } = await this.instances.commit(
        change,
        {
          instance: current.revision,
          capacity: view.capacity.revision,
          ports: view.ports.revision,
          workerState: view.worker.revision,
        },
        { events: toOutboxEvents(change.events, 'lcm/scheduler') },
      );
      views.set(view.worker.value.id, {
        ...view,
        capacity: { value: change.capacity ?? view.capacity.value, revision },
        ports: { value: change.ports ?? view.ports.value, revision },
      });
      placed++;
    }
    return placed;
  }

  /** The api's part: a user asks for something on an instance. */
  async requestInstance(
    id: string,
    action: InstanceAction,
    by = 'user-1',
  ): Promise<void> {
    const current = await this.instances.require(id);
    const change = requestInstanceAction(current.value, action, {
      now: this.now,
      triggeredBy: by,
    });
    await this.instances.commit(
      change,
      { instance: current.revision },
      { events: [] },
    );
  }

  /** The api's part: an admin asks for something on a worker. */
  async requestWorker(
    id: string,
    action: WorkerAction,
    by = 'admin',
  ): Promise<void> {
    const current = await this.workers.require(id);
    const change = requestWorkerAction(current.worker.value, action, {
      now: this.now,
      triggeredBy: by,
    });
    await this.workers.commit(
      change,
      { worker: current.worker.revision },
      { events: [] },
    );
  }

  /** Commits an instance transition made outside the controller (the api's assessment events). */
  async commitInstance(
    id: string,
    transition: (instance: LabletInstance) => InstanceChange,
    source = 'lcm/api',
  ): Promise<void> {
    const current = await this.instances.require(id);
    const change = transition(current.value);
    await this.instances.commit(
      change,
      { instance: current.revision },
      { events: toOutboxEvents(change.events, source) },
    );
  }

  /** Commits a worker change made outside the controller. */
  async commitWorker(
    current: WorkerView | undefined,
    change: WorkerChange,
    source = 'lcm/api',
  ): Promise<void> {
    await this.workers.commit(
      change,
      { worker: current ? current.worker.revision : 'absent' },
      { events: toOutboxEvents(change.events, source) },
    );
  }

  async instance(id: string): Promise<LabletInstance> {
    return (await this.instances.require(id)).value;
  }

  async worker(id: string): Promise<Worker> {
    return (await this.workers.require(id)).worker.value;
  }

  async workerList(): Promise<Worker[]> {
    return (await this.workers.list()).items.map((v) => v.worker.value);
  }

  async instanceList(): Promise<LabletInstance[]> {
    return (await this.instances.list()).items.map((v) => v.value);
  }

  /** Outbox events, in commit order, optionally of one type or for one subject. */
  async events(
    filter: { type?: string; subject?: string } = {},
  ): Promise<OutboxEvent[]> {
    const { kvs } = await this.store.list(this.keys.eventsPrefix);
    return kvs
      .sort((a, b) => a.modRevision - b.modRevision)
      .map((kv) => JSON.parse(kv.value) as OutboxEvent)
      .filter(
        (e) =>
          (filter.type === undefined || e.type === filter.type) &&
          (filter.subject === undefined || e.subject === filter.subject),
      );
  }

  async eventTypes(subject: string): Promise<string[]> {
    return (await this.events({ subject })).map((e) => e.type);
  }

  /** The labs LCM imported for an instance, on any worker of the fleet. */
  async labsOf(
    instanceId: string,
  ): Promise<{ host: string; labId: string; state: string }[]> {
    const found: { host: string; labId: string; state: string }[] = [];
    for (const worker of await this.workerList()) {
      if (!worker.hostname) continue;
      const labs = await this.fleet.runtime
        .listLabs(worker.hostname)
        .catch(() => []);
      for (const lab of labs)
        if (lab.idempotencyKey === instanceId)
          found.push({
            host: worker.hostname,
            labId: lab.labId,
            state: lab.state,
          });
    }
    return found;
  }

  async close(): Promise<void> {
    await this.view.stop();
    await this.election?.resign();
    if (this.ownsDocs) await this.docs.close();
  }
}

export type { StateStore };

/** Polls `check` until it holds (or fails the test after `timeoutMs`). */
export async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
