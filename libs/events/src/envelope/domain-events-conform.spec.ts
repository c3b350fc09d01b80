import {
  EMITTED_EVENT_TYPES,
  abandonCollection,
  addMinutes,
  archiveInstance,
  buildDefinitionCreatedEvent,
  buildDefinitionDeprecatedEvent,
  buildDefinitionVersionCreatedEvent,
  buildGradingPod,
  buildScalingUpRequestedEvent,
  cancelDrain,
  setWorkerCordoned,
  completeGrading,
  createInstance,
  createWorker,
  expireMissedTimeslot,
  failInstantiation,
  failWorker,
  forceTerminateInstance,
  markInstanceRunning,
  markInstanceStopped,
  markWorkerRunning,
  recordReportedLicense,
  markWorkerStopped,
  markWorkerTerminatedByCloud,
  restartInstance,
  restartWorker,
  retryInstantiation,
  scheduleInstance,
  startCollection,
  startDraining,
  startGrading,
  startInstantiation,
  startProvisioning,
  stopDrainedWorker,
  stopInstance,
  stopWorker,
  terminateArchivedInstance,
  terminateFailedWorker,
  terminatePendingInstance,
  terminateScheduledInstance,
  terminateStoppedWorker,
  type DomainEvent,
  type InstanceChange,
  type LabletInstance,
  type TransitionContext,
  type Worker,
  type WorkerChange,
  type WorkerResources,
} from '@lcm/domain';
import { EVENT_CATALOG } from '../catalog/event-catalog';
import { toOutboxEvent } from './to-outbox-event';

// The cross-check: drive the real domain transitions and push every event they produce through
// toOutboxEvent, which validates it against its catalog class. A field the domain adds or
// changes and the catalog does not know fails here (and at compile time in event-catalog.ts).

const T0 = '2026-01-16T10:00:00.000Z';
const at = (minutes: number): string => addMinutes(T0, minutes);
const ctx = (
  minutes: number,
  triggeredBy = 'system',
  reason?: string,
): TransitionContext =>
  reason === undefined
    ? { now: at(minutes), triggeredBy }
    : { now: at(minutes), triggeredBy, reason };

const LAB_YAML = `lab:
  title: sample
nodes:
  - id: n0
    label: router
    tags:
      - serial:2000
  - id: n1
    label: desktop
    tags:
      - serial:2001
      - vnc:2002
`;

/** The worker records a change wrote (creation, placement). */
function heldResources(change: {
  capacity?: WorkerResources['capacity'];
  ports?: WorkerResources['ports'];
}): WorkerResources {
  if (!change.capacity || !change.ports) {
    throw new Error('expected the change to write the worker resource records');
  }
  return { capacity: change.capacity, ports: change.ports };
}

type Source = 'lcm/api' | 'lcm/scheduler' | 'lcm/controller';

class EventLog {
  readonly emitted: { event: DomainEvent; source: Source }[] = [];

  record<C extends InstanceChange | WorkerChange>(
    source: Source,
    change: C,
  ): C {
    for (const event of change.events) this.emitted.push({ event, source });
    return change;
  }

  one(source: Source, event: DomainEvent): void {
    this.emitted.push({ event, source });
  }
}

function workerInput(id: string) {
  return {
    id,
    name: `cml-worker-${id}`,
    templateName: 'personal-standard',
    licenseType: 'PERSONAL' as const,
    region: 'eu-west-1',
    portRange: { start: 2000, end: 9999 },
    declaredCapacity: {
      cpuCores: 48,
      memoryGb: 192,
      storageGb: 500,
      maxNodes: 20,
    },
    drainTimeoutHours: 4,
    startupTimeMinutes: 20,
  };
}

function instanceInput(id: string) {
  return {
    id,
    definitionId: 'def-1',
    definitionName: 'devasc-lab',
    definitionVersion: '1.0.0',
    spec: {
      requirements: {
        cpuCores: 4,
        memoryGb: 8,
        storageGb: 50,
        nestedVirt: true,
      },
      licenseAffinity: ['PERSONAL' as const, 'ENTERPRISE' as const],
      nodeCount: 2,
      ports: [
        { name: 'serial_1', protocol: 'tcp' as const },
        { name: 'vnc_1', protocol: 'tcp' as const },
      ],
      labYamlHash: `sha256:${'a'.repeat(64)}`,
      maxDurationMinutes: 120,
    },
    ownerId: 'user-1',
    reservationId: 'res-1',
    timeslotStart: at(0),
    timeslotEnd: at(60),
  };
}

/** A running worker and its resource records, its own events logged. */
function runningWorker(
  log: EventLog,
  id: string,
): { worker: Worker; resources: WorkerResources } {
  const created = log.record(
    'lcm/controller',
    createWorker(workerInput(id), ctx(0, 'lcm/controller')),
  );
  let worker = created.worker;
  worker = log.record(
    'lcm/controller',
    startProvisioning(worker, { providerInstanceId: `ec2-${id}` }, ctx(1)),
  ).worker;
  worker = log.record(
    'lcm/controller',
    markWorkerRunning(worker, { hostname: `${id}.lab.example` }, ctx(20)),
  ).worker;
  return {
    worker,
    resources: heldResources(created),
  };
}

/** An instance placed and instantiating on the worker; returns the worker's updated records. */
function instantiating(
  log: EventLog,
  id: string,
  worker: Worker,
  resources: WorkerResources,
): { instance: LabletInstance; resources: WorkerResources } {
  let instance = log.record(
    'lcm/api',
    createInstance(instanceInput(id), ctx(0, 'user-1')),
  ).instance;
  const scheduled = log.record(
    'lcm/scheduler',
    scheduleInstance(
      instance,
      { worker, ...resources },
      ctx(21, 'lcm/scheduler'),
    ),
  );
  instance = scheduled.instance;
  const held = heldResources(scheduled);
  instance = log.record(
    'lcm/controller',
    startInstantiation(instance, ctx(22, 'lcm/controller')),
  ).instance;
  return { instance, resources: held };
}

function driveEveryTransition(): EventLog {
  const log = new EventLog();
  const { worker, resources } = runningWorker(log, 'w-1');

  // Instance, happy path to the end: pending ... archived -> terminated.
  let placed = instantiating(log, 'i-1', worker, resources);
  let instance = placed.instance;
  const pod = buildGradingPod(instance, LAB_YAML, 'w-1.lab.example');
  instance = log.record(
    'lcm/controller',
    markInstanceRunning(
      instance,
      { cmlLabId: 'lab-1', workerHostname: 'w-1.lab.example', pod },
      ctx(23),
    ),
  ).instance;
  instance = log.record(
    'lcm/api',
    startCollection(
      instance,
      { collectionReason: 'manual' },
      ctx(30, 'user-1'),
    ),
  ).instance;
  instance = log.record(
    'lcm/api',
    startGrading(
      instance,
      {
        gradingEngineSessionId: 'ge-1',
        collectionId: 'col-1',
        artifactsUri: 's3://bucket/i-1',
      },
      ctx(31, 'lcm/api'),
    ),
  ).instance;
  instance = log.record(
    'lcm/api',
    completeGrading(
      instance,
      {
        score: {
          total: 8,
          max: 10,
          passed: true,
          breakdown: [{ criterion: 'ping works', points: 8, max: 10 }],
        },
      },
      ctx(32, 'lcm/api'),
    ),
  ).instance;
  instance = log.record(
    'lcm/controller',
    markInstanceStopped(instance, ctx(33)),
  ).instance;
  instance = log.record(
    'lcm/controller',
    archiveInstance(instance, ctx(34)),
  ).instance;
  log.record(
    'lcm/controller',
    terminateArchivedInstance(instance, placed.resources, ctx(35)),
  );

  // Instantiation retried, then failed (terminated + owner notified).
  placed = instantiating(log, 'i-2', worker, resources);
  instance = log.record(
    'lcm/controller',
    retryInstantiation(
      placed.instance,
      ctx(23, 'lcm/controller', 'import_failed'),
    ),
  ).instance;
  log.record(
    'lcm/controller',
    failInstantiation(
      instance,
      placed.resources,
      ctx(24, 'lcm/controller', 'max_retries_exceeded'),
    ),
  );

  // Stopped and restarted without a Pod, then forced out as an orphan.
  placed = instantiating(log, 'i-3', worker, resources);
  instance = log.record(
    'lcm/controller',
    markInstanceRunning(
      placed.instance,
      { cmlLabId: 'lab-3', workerHostname: 'w-1.lab.example' },
      ctx(23),
    ),
  ).instance;
  instance = log.record(
    'lcm/controller',
    stopInstance(instance, ctx(40, 'user-1')),
  ).instance;
  instance = log.record(
    'lcm/controller',
    markInstanceStopped(instance, ctx(41)),
  ).instance;
  instance = log.record(
    'lcm/controller',
    restartInstance(
      instance,
      { workerHostname: 'w-1.lab.example' },
      ctx(42, 'user-1'),
    ),
  ).instance;
  log.record(
    'lcm/controller',
    forceTerminateInstance(
      instance,
      undefined,
      ctx(43, 'lcm/controller', 'worker_gone'),
    ),
  );

  // Collection abandoned; a pending and a scheduled instance deleted.
  placed = instantiating(log, 'i-4', worker, resources);
  instance = log.record(
    'lcm/controller',
    markInstanceRunning(
      placed.instance,
      { cmlLabId: 'lab-4', workerHostname: 'w-1.lab.example' },
      ctx(23),
    ),
  ).instance;
  instance = log.record(
    'lcm/controller',
    startCollection(instance, { collectionReason: 'timeslot_end' }, ctx(60)),
  ).instance;
  log.record(
    'lcm/controller',
    abandonCollection(instance, ctx(61, 'lcm/controller', 'collection_failed')),
  );
  const pending = log.record(
    'lcm/api',
    createInstance(instanceInput('i-5'), ctx(0, 'user-1')),
  ).instance;
  log.record('lcm/api', terminatePendingInstance(pending, ctx(1, 'user-1')));
  const missed = log.record(
    'lcm/api',
    createInstance(instanceInput('i-5-missed'), ctx(0, 'user-1')),
  ).instance;
  log.record(
    'lcm/controller',
    // An ASAP request (slot at(0) to at(60)) misses its slot once the slot is over.
    expireMissedTimeslot(missed, 5, ctx(60, 'lcm/controller')),
  );
  const toSchedule = log.record(
    'lcm/api',
    createInstance(instanceInput('i-6'), ctx(0, 'user-1')),
  ).instance;
  const scheduled = log.record(
    'lcm/scheduler',
    scheduleInstance(
      toSchedule,
      { worker, ...resources },
      ctx(21, 'lcm/scheduler'),
    ),
  );
  log.record(
    'lcm/controller',
    terminateScheduledInstance(
      scheduled.instance,
      heldResources(scheduled),
      ctx(22, 'user-1'),
    ),
  );

  // Worker: cordon, uncordon, drain, cancel, drain again, stop, restart, stop, terminate.
  let w = worker;
  w = log.record(
    'lcm/api',
    setWorkerCordoned(w, true, ctx(88, 'admin-1')),
  ).worker;
  w = log.record(
    'lcm/api',
    setWorkerCordoned(w, false, ctx(89, 'admin-1')),
  ).worker;
  w = log.record(
    'lcm/controller',
    startDraining(w, { runningInstancesCount: 2 }, ctx(90)),
  ).worker;
  w = log.record('lcm/controller', cancelDrain(w, ctx(91, 'admin-1'))).worker;
  w = log.record(
    'lcm/controller',
    startDraining(w, { runningInstancesCount: 0 }, ctx(92)),
  ).worker;
  w = log.record('lcm/controller', stopDrainedWorker(w, ctx(93))).worker;
  w = log.record('lcm/controller', markWorkerStopped(w, ctx(94))).worker;
  w = log.record('lcm/controller', restartWorker(w, ctx(95))).worker;
  w = log.record(
    'lcm/controller',
    startProvisioning(
      w,
      { providerInstanceId: 'ec2-w-1b', amiName: 'CML-2.9.1' },
      ctx(96),
    ),
  ).worker;
  w = log.record(
    'lcm/controller',
    markWorkerRunning(w, { hostname: 'w-1b.lab.example' }, ctx(110)),
  ).worker;
  w = log.record('lcm/controller', stopWorker(w, ctx(111, 'admin-1'))).worker;
  w = log.record('lcm/controller', markWorkerStopped(w, ctx(112))).worker;
  log.record('lcm/controller', terminateStoppedWorker(w, ctx(113, 'admin-1')));

  // A worker that fails to provision, and one the cloud terminates.
  let failed = log.record(
    'lcm/controller',
    createWorker(workerInput('w-2'), ctx(0)),
  ).worker;
  failed = log.record(
    'lcm/controller',
    failWorker(failed, ctx(40, 'lcm/controller', 'provisioning_timeout')),
  ).worker;
  log.record('lcm/controller', terminateFailedWorker(failed, ctx(41)));
  const lost = runningWorker(log, 'w-3');
  // Its engine's licence: registered, then expired (lcm.worker.license.changed).
  let licensed = lost.worker;
  for (const [status, minute] of [
    ['REGISTERED', 30],
    ['EXPIRED', 31],
  ] as const)
    licensed = log.record(
      'lcm/controller',
      recordReportedLicense(
        licensed,
        {
          report: {
            licenseType: 'PERSONAL',
            status,
            nodeLimit: 20,
            nodesInUse: 0,
            detail: `authorization ${status}`,
          },
          templateMaxNodes: 20,
          capacity: lost.resources.capacity,
        },
        ctx(minute),
      ),
    ).worker;
  log.record('lcm/controller', markWorkerTerminatedByCloud(licensed, ctx(50)));

  // Events not tied to a record transition.
  log.one(
    'lcm/scheduler',
    buildScalingUpRequestedEvent({
      template: 'personal-standard',
      reason: 'Instance i-9 approaching timeslot with no capacity',
      now: at(5),
      requestKey: 'i-9',
    }),
  );
  log.one(
    'lcm/api',
    buildDefinitionCreatedEvent({
      definitionId: 'def-1',
      name: 'devasc-lab',
      version: '1.0.0',
      now: at(0),
    }),
  );
  log.one(
    'lcm/api',
    buildDefinitionVersionCreatedEvent({
      definitionId: 'def-2',
      name: 'devasc-lab',
      oldVersion: '1.0.0',
      newVersion: '1.0.1',
      labYamlHash: `sha256:${'b'.repeat(64)}`,
      now: at(1),
    }),
  );
  log.one(
    'lcm/api',
    buildDefinitionDeprecatedEvent({
      definitionId: 'def-1',
      name: 'devasc-lab',
      version: '1.0.0',
      now: at(2),
    }),
  );
  return log;
}

describe('every event the domain emits fits its catalog class', () => {
  const log = driveEveryTransition();

  it.each(
    log.emitted.map(
      ({ event, source }) => [event.type, event.id, event, source] as const,
    ),
  )(
    '%s (%s) becomes a valid outbox CloudEvent',
    (_type, _id, event, source) => {
      const outbox = toOutboxEvent(event, source);
      expect(outbox).toMatchObject({
        id: event.id,
        type: event.type,
        subject: event.subject,
        source,
      });
      expect(outbox.data).toEqual(event.data);
    },
  );

  it('the walk covers every lcm.* type the domain can emit', () => {
    const covered = new Set(log.emitted.map(({ event }) => event.type));
    const missing = EMITTED_EVENT_TYPES.filter((type) => !covered.has(type));
    expect(missing).toEqual([]);
    // and emits nothing the catalog does not list
    expect([...covered].filter((type) => !(type in EVENT_CATALOG))).toEqual([]);
  });

  it('event ids are unique across the walk (the audit sink dedups on them)', () => {
    const ids = log.emitted.map(({ event }) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
