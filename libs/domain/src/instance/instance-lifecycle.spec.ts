import {
  A_SCORE,
  aPendingInstance,
  anInstanceIn,
  aWorkerIn,
  at,
  ctx,
  instanceInput,
  T0,
} from '../../test/domain-fixtures';
import {
  CapacityExceeded,
  Conflict,
  InvalidTransition,
  PortExhausted,
  ValidationError,
} from '../errors';
import { EVENT_TYPES } from '../events/event-types';
import type { WorkerCapacityRecord } from '../values/worker-capacity';
import {
  abandonCollection,
  completeGrading,
  gradingScoreFrom,
  startCollection,
  startGrading,
} from './assessment';
import { createInstance } from './create-instance';
import {
  MAX_INSTANTIATION_RETRIES,
  retryInstantiation,
  startInstantiation,
} from './instantiation';
import { markInstanceRunning, restartInstance } from './run-instance';
import { scheduleInstance, setPendingReason } from './schedule-instance';
import {
  archiveInstance,
  markInstanceStopped,
  stopInstance,
} from './stop-and-archive';
import {
  failInstantiation,
  forceTerminateInstance,
  terminateArchivedInstance,
  terminatePendingInstance,
  terminateScheduledInstance,
} from './terminate-instance';
import type { LabletInstance } from './lablet-instance';

const ZERO = { cpuCores: 0, memoryGb: 0, storageGb: 0, maxNodes: 0 };

function lastHistory(instance: LabletInstance) {
  return instance.stateHistory[instance.stateHistory.length - 1];
}

describe('(new) -> pending: createInstance', () => {
  it('creates a pending instance at generation 0 with one history entry and a pending event', () => {
    const { instance, events } = createInstance(
      instanceInput(),
      ctx(T0, 'user-1'),
    );
    expect(instance).toMatchObject({
      schemaVersion: 1,
      state: 'pending',
      generation: 0,
      workerId: null,
      allocatedPorts: null,
      retryCount: 0,
      createdAt: T0,
      updatedAt: T0,
      terminatedAt: null,
    });
    expect(instance.stateHistory).toEqual([
      { from: null, to: 'pending', at: T0, triggeredBy: 'user-1' },
    ]);
    expect(events).toEqual([
      {
        id: 'i-1:0:0',
        type: 'lcm.lablet.instance.pending',
        subject: 'i-1',
        time: T0,
        data: expect.objectContaining({
          instanceId: 'i-1',
          definitionId: 'def-1',
          definitionVersion: '1.0.0',
          previousState: null,
          newState: 'pending',
          workerId: null,
          timestamp: T0,
          ownerId: 'user-1',
          reservationId: null,
          timeslotStart: at(0),
          timeslotEnd: at(60),
          createdAt: T0,
        }),
      },
    ]);
  });

  it('rejects a timeslot that ends before it starts', () => {
    expect(() =>
      createInstance(
        instanceInput({ timeslotStart: at(60), timeslotEnd: at(30) }),
        ctx(),
      ),
    ).toThrow(ValidationError);
  });

  it('rejects a timeslot longer than the definition allows', () => {
    expect(() =>
      createInstance(instanceInput({ timeslotEnd: at(121) }), ctx()),
    ).toThrow(/maximum of 120/);
  });

  it('accepts a start in the past (ASAP) but not an end in the past', () => {
    expect(() =>
      createInstance(
        instanceInput({ timeslotStart: at(-30), timeslotEnd: at(30) }),
        ctx(),
      ),
    ).not.toThrow();
    expect(() =>
      createInstance(
        instanceInput({ timeslotStart: at(-60), timeslotEnd: at(-1) }),
        ctx(),
      ),
    ).toThrow(/past/);
  });

  it('rejects an invalid spec', () => {
    const input = instanceInput();
    expect(() =>
      createInstance(
        { ...input, spec: { ...input.spec, licenseAffinity: [] } },
        ctx(),
      ),
    ).toThrow(ValidationError);
  });

  it('rejects a now that is not an ISO timestamp', () => {
    expect(() =>
      createInstance(instanceInput(), { now: 'yesterday', triggeredBy: 'u' }),
    ).toThrow(ValidationError);
  });
});

describe('pending -> scheduled: scheduleInstance', () => {
  it('assigns the worker, allocates ports lowest-first and reserves capacity', () => {
    const { worker, capacity, ports } = aWorkerIn('running');
    const change = scheduleInstance(
      aPendingInstance(),
      { worker, capacity, ports },
      ctx(at(1), 'lcm/scheduler'),
    );
    expect(change.instance).toMatchObject({
      state: 'scheduled',
      generation: 1,
      workerId: 'w-1',
      allocatedPorts: { serial_1: 2000, vnc_1: 2001 },
      scheduledAt: at(1),
      pendingReason: null,
    });
    expect(change.capacity?.allocated).toEqual({
      cpuCores: 4,
      memoryGb: 8,
      storageGb: 50,
      maxNodes: 2,
    });
    expect(change.capacity?.declared).toEqual(capacity.declared);
    expect(change.ports).toEqual({
      'i-1': {
        instanceId: 'i-1',
        ports: { serial_1: 2000, vnc_1: 2001 },
        allocatedAt: at(1),
      },
    });
    expect(change.events).toHaveLength(1);
    expect(change.events[0]).toMatchObject({
      id: 'i-1:1:0',
      type: EVENT_TYPES.instanceScheduled,
      data: {
        workerId: 'w-1',
        allocatedPorts: { serial_1: 2000, vnc_1: 2001 },
        previousState: 'pending',
        newState: 'scheduled',
      },
    });
  });

  it('throws CapacityExceeded and changes nothing when the worker lacks capacity', () => {
    const { worker, ports } = aWorkerIn('running');
    const full: WorkerCapacityRecord = {
      declared: { cpuCores: 48, memoryGb: 192, storageGb: 500, maxNodes: 20 },
      allocated: { cpuCores: 46, memoryGb: 0, storageGb: 0, maxNodes: 0 },
    };
    expect(() =>
      scheduleInstance(
        aPendingInstance(),
        { worker, capacity: full, ports },
        ctx(),
      ),
    ).toThrow(CapacityExceeded);
  });

  it('throws PortExhausted when the range has too few free ports', () => {
    const { worker, capacity, ports } = aWorkerIn('running', {
      portRange: { start: 2000, end: 2000 },
    });
    expect(() =>
      scheduleInstance(aPendingInstance(), { worker, capacity, ports }, ctx()),
    ).toThrow(PortExhausted);
  });

  it('refuses a worker that is not running (Conflict: the caller read it stale)', () => {
    const { worker, capacity, ports } = aWorkerIn('draining');
    expect(() =>
      scheduleInstance(aPendingInstance(), { worker, capacity, ports }, ctx()),
    ).toThrow(Conflict);
  });

  it('refuses a cordoned worker', () => {
    const { worker, capacity, ports } = aWorkerIn('running');
    expect(() =>
      scheduleInstance(
        aPendingInstance(),
        { worker: { ...worker, cordoned: true }, capacity, ports },
        ctx(),
      ),
    ).toThrow(/cordoned/);
  });

  it('is refused for an instance that is not pending', () => {
    const { instance, worker, capacity, ports } = anInstanceIn('scheduled');
    expect(() =>
      scheduleInstance(instance, { worker, capacity, ports }, ctx()),
    ).toThrow(InvalidTransition);
  });
});

describe('setPendingReason', () => {
  it('records the scheduler explanation without changing state or emitting events', () => {
    const instance = aPendingInstance();
    const change = setPendingReason(
      instance,
      '3 workers: license mismatch',
      ctx(at(1)),
    );
    expect(change.instance).toMatchObject({
      state: 'pending',
      pendingReason: '3 workers: license mismatch',
      generation: 1,
    });
    expect(change.events).toEqual([]);
  });

  it('returns the same record when the reason is unchanged, so nothing is written', () => {
    const first = setPendingReason(
      aPendingInstance(),
      'no workers',
      ctx(at(1)),
    ).instance;
    expect(setPendingReason(first, 'no workers', ctx(at(2))).instance).toBe(
      first,
    );
  });

  it('is refused once the instance is placed', () => {
    expect(() =>
      setPendingReason(anInstanceIn('scheduled').instance, 'x', ctx()),
    ).toThrow(Conflict);
  });
});

describe('pending -> terminated: terminatePendingInstance', () => {
  it('terminates without touching any worker', () => {
    const change = terminatePendingInstance(
      aPendingInstance(),
      ctx(at(5), 'user-1', 'user_delete'),
    );
    expect(change.instance).toMatchObject({
      state: 'terminated',
      terminatedAt: at(5),
      stateReason: 'user_delete',
    });
    expect(change.capacity).toBeUndefined();
    expect(change.ports).toBeUndefined();
    expect(change.events.map((e) => e.type)).toEqual([
      EVENT_TYPES.instanceTerminated,
    ]);
    expect(change.events[0].data).toMatchObject({
      finalState: 'pending',
      durationMinutes: null,
      gradingScore: null,
      forced: false,
    });
  });

  it('is refused for a scheduled instance (that edge must release resources)', () => {
    expect(() =>
      terminatePendingInstance(anInstanceIn('scheduled').instance, ctx()),
    ).toThrow(InvalidTransition);
  });
});

describe('scheduled -> instantiating: startInstantiation', () => {
  it('emits provisioning.started with the worker, ports and YAML hash', () => {
    const change = startInstantiation(
      anInstanceIn('scheduled').instance,
      ctx(at(2)),
    );
    expect(change.instance.state).toBe('instantiating');
    expect(change.events[0]).toMatchObject({
      id: 'i-1:2:0',
      type: EVENT_TYPES.instanceProvisioningStarted,
      data: {
        workerId: 'w-1',
        allocatedPorts: { serial_1: 2000, vnc_1: 2001 },
        labYamlHash: `sha256:${'a'.repeat(64)}`,
      },
    });
  });

  it('is refused from pending and from running', () => {
    expect(() => startInstantiation(aPendingInstance(), ctx())).toThrow(
      InvalidTransition,
    );
    expect(() =>
      startInstantiation(anInstanceIn('running').instance, ctx()),
    ).toThrow(InvalidTransition);
  });
});

describe('scheduled -> terminated: terminateScheduledInstance', () => {
  it('releases the capacity and ports the placement reserved', () => {
    const { instance, capacity, ports } = anInstanceIn('scheduled');
    const change = terminateScheduledInstance(
      instance,
      { capacity, ports },
      ctx(at(5), 'user-1'),
    );
    expect(change.instance.state).toBe('terminated');
    expect(change.capacity?.allocated).toEqual(ZERO);
    expect(change.ports).toEqual({});
    expect(change.events[0].data).toMatchObject({ finalState: 'scheduled' });
  });
});

describe('instantiating -> running: markInstanceRunning', () => {
  it('sets the lab id and start time and carries the Pod in the running event', () => {
    const pod = { id: 'i-1', devices: [] };
    const change = markInstanceRunning(
      anInstanceIn('instantiating').instance,
      { cmlLabId: 'lab-9', workerHostname: 'w1.example', pod },
      ctx(at(4)),
    );
    expect(change.instance).toMatchObject({
      state: 'running',
      cmlLabId: 'lab-9',
      startedAt: at(4),
    });
    expect(change.events[0]).toMatchObject({
      type: EVENT_TYPES.instanceRunning,
      data: {
        workerId: 'w-1',
        workerHostname: 'w1.example',
        cmlLabId: 'lab-9',
        allocatedPorts: { serial_1: 2000, vnc_1: 2001 },
        startedAt: at(4),
        podAssigned: true,
        pod,
        restarted: false,
      },
    });
  });

  it('says podAssigned false when no Pod is given', () => {
    const change = markInstanceRunning(
      anInstanceIn('instantiating').instance,
      { cmlLabId: 'l', workerHostname: 'h' },
      ctx(),
    );
    expect(change.events[0].data).toMatchObject({
      podAssigned: false,
      pod: null,
    });
  });

  it('is refused from scheduled', () => {
    expect(() =>
      markInstanceRunning(
        anInstanceIn('scheduled').instance,
        { cmlLabId: 'l', workerHostname: 'h' },
        ctx(),
      ),
    ).toThrow(InvalidTransition);
  });
});

describe('instantiating -> instantiating: retryInstantiation', () => {
  it('counts the retry and emits provisioning.retried', () => {
    const change = retryInstantiation(
      anInstanceIn('instantiating').instance,
      ctx(at(5), 'lcm/controller', 'import_failed'),
    );
    expect(change.instance).toMatchObject({
      state: 'instantiating',
      retryCount: 1,
    });
    expect(lastHistory(change.instance)).toMatchObject({
      from: 'instantiating',
      to: 'instantiating',
      reason: 'import_failed',
    });
    expect(change.events[0]).toMatchObject({
      type: EVENT_TYPES.instanceProvisioningRetried,
      data: { retryCount: 1, maxRetries: 3, reason: 'import_failed' },
    });
  });

  it('allows at most three retries', () => {
    let instance = anInstanceIn('instantiating').instance;
    for (let i = 0; i < MAX_INSTANTIATION_RETRIES; i++) {
      instance = retryInstantiation(
        instance,
        ctx(at(5 + i), 'c', 'failed'),
      ).instance;
    }
    expect(instance.retryCount).toBe(3);
    expect(() =>
      retryInstantiation(instance, ctx(at(9), 'c', 'failed')),
    ).toThrow(/max_retries_exceeded/);
  });

  it('needs a reason', () => {
    expect(() =>
      retryInstantiation(anInstanceIn('instantiating').instance, ctx()),
    ).toThrow(ValidationError);
  });

  it('is refused outside instantiating', () => {
    expect(() =>
      retryInstantiation(anInstanceIn('running').instance, ctx(T0, 's', 'r')),
    ).toThrow(InvalidTransition);
  });
});

describe('instantiating -> terminated: failInstantiation', () => {
  it('releases resources, terminates and notifies the owner', () => {
    const { instance, capacity, ports } = anInstanceIn('instantiating');
    const change = failInstantiation(
      instance,
      { capacity, ports },
      ctx(at(20), 'lcm/controller', 'instantiation_timeout'),
    );
    expect(change.instance).toMatchObject({
      state: 'terminated',
      terminatedAt: at(20),
    });
    expect(change.capacity?.allocated).toEqual(ZERO);
    expect(change.ports).toEqual({});
    expect(change.events.map((e) => e.type)).toEqual([
      EVENT_TYPES.instanceTerminated,
      EVENT_TYPES.instanceOwnerNotified,
    ]);
    expect(change.events.map((e) => e.id)).toEqual(['i-1:3:0', 'i-1:3:1']);
    expect(change.events[1].data).toMatchObject({
      ownerId: 'user-1',
      notification: 'instance_failed',
      reason: 'instantiation_timeout',
    });
  });

  it('needs a reason', () => {
    const { instance, capacity, ports } = anInstanceIn('instantiating');
    expect(() =>
      failInstantiation(instance, { capacity, ports }, ctx()),
    ).toThrow(ValidationError);
  });
});

describe('running -> collecting: startCollection', () => {
  it('emits collecting.started with who triggered it and why', () => {
    const change = startCollection(
      anInstanceIn('running').instance,
      { collectionReason: 'timeslot_end' },
      ctx(at(60), 'system'),
    );
    expect(change.instance.state).toBe('collecting');
    expect(change.events[0]).toMatchObject({
      type: EVENT_TYPES.instanceCollectingStarted,
      data: { triggeredBy: 'system', collectionReason: 'timeslot_end' },
    });
  });

  it('rejects an unknown collection reason', () => {
    expect(() =>
      startCollection(
        anInstanceIn('running').instance,
        { collectionReason: 'whim' as 'manual' },
        ctx(),
      ),
    ).toThrow(ValidationError);
  });

  it('is refused from stopped', () => {
    expect(() =>
      startCollection(
        anInstanceIn('stopped').instance,
        { collectionReason: 'manual' },
        ctx(),
      ),
    ).toThrow(InvalidTransition);
  });
});

describe('running -> stopping: stopInstance', () => {
  it('emits stopping', () => {
    const change = stopInstance(
      anInstanceIn('running').instance,
      ctx(at(40), 'user-1', 'user_stop'),
    );
    expect(change.instance.state).toBe('stopping');
    expect(change.events.map((e) => e.type)).toEqual([
      EVENT_TYPES.instanceStopping,
    ]);
  });

  it('is refused from collecting (that is abandonCollection) and from grading', () => {
    expect(() =>
      stopInstance(anInstanceIn('collecting').instance, ctx()),
    ).toThrow(InvalidTransition);
    expect(() => stopInstance(anInstanceIn('grading').instance, ctx())).toThrow(
      InvalidTransition,
    );
  });
});

describe('collecting -> grading: startGrading', () => {
  it('emits grading.started with the grading session', () => {
    const change = startGrading(
      anInstanceIn('collecting').instance,
      { gradingEngineSessionId: 'ge-7', collectionId: 'c-1' },
      ctx(),
    );
    expect(change.instance.state).toBe('grading');
    expect(change.events[0]).toMatchObject({
      type: EVENT_TYPES.instanceGradingStarted,
      data: {
        gradingEngineSessionId: 'ge-7',
        collectionId: 'c-1',
        artifactsUri: null,
      },
    });
  });

  it('is refused from running (collection must come first)', () => {
    expect(() =>
      startGrading(anInstanceIn('running').instance, {}, ctx()),
    ).toThrow(InvalidTransition);
  });
});

describe('collecting -> stopping: abandonCollection', () => {
  it('stops with the reason', () => {
    const change = abandonCollection(
      anInstanceIn('collecting').instance,
      ctx(at(50), 'lcm/controller', 'collection_failed'),
    );
    expect(change.instance).toMatchObject({
      state: 'stopping',
      stateReason: 'collection_failed',
    });
  });

  it('needs a reason and is refused from running', () => {
    expect(() =>
      abandonCollection(anInstanceIn('collecting').instance, ctx()),
    ).toThrow(ValidationError);
    expect(() =>
      abandonCollection(anInstanceIn('running').instance, ctx(T0, 's', 'r')),
    ).toThrow(InvalidTransition);
  });
});

describe('grading -> stopping: completeGrading', () => {
  it('stores the score and emits grading.completed, then stopping', () => {
    const { instance } = anInstanceIn('grading'); // entered grading at +31 min
    const change = completeGrading(
      instance,
      { score: A_SCORE },
      ctx(at(33), 'lcm/api'),
    );
    expect(change.instance).toMatchObject({
      state: 'stopping',
      gradingScore: A_SCORE,
    });
    expect(change.events.map((e) => [e.id, e.type])).toEqual([
      ['i-1:6:0', EVENT_TYPES.instanceGradingCompleted],
      ['i-1:6:1', EVENT_TYPES.instanceStopping],
    ]);
    expect(change.events[0].data).toMatchObject({
      score: A_SCORE,
      gradingDurationSeconds: 120,
    });
    expect(
      change.instance.stateHistory.filter((h) => h.to === 'stopping'),
    ).toHaveLength(1);
  });

  it('is refused when the instance is not grading (a late or duplicate result)', () => {
    expect(() =>
      completeGrading(
        anInstanceIn('collecting').instance,
        { score: A_SCORE },
        ctx(),
      ),
    ).toThrow(InvalidTransition);
    expect(() =>
      completeGrading(
        anInstanceIn('stopping').instance,
        { score: A_SCORE },
        ctx(),
      ),
    ).toThrow(InvalidTransition);
  });

  it('stores the consumed result with its passed flag inside the score', () => {
    const score = gradingScoreFrom({
      instanceId: 'i-1',
      passed: false,
      score: { total: 3, max: 10, breakdown: [] },
    });
    expect(score).toEqual({ total: 3, max: 10, passed: false, breakdown: [] });
    expect(
      completeGrading(anInstanceIn('grading').instance, { score }, ctx())
        .instance.gradingScore,
    ).toEqual(score);
  });

  it('rejects a score above its maximum', () => {
    expect(() =>
      completeGrading(
        anInstanceIn('grading').instance,
        { score: { ...A_SCORE, total: 11 } },
        ctx(),
      ),
    ).toThrow(ValidationError);
  });
});

describe('stopping -> stopped, stopped -> running, stopped -> archived', () => {
  it('marks the lab stopped', () => {
    const change = markInstanceStopped(
      anInstanceIn('stopping').instance,
      ctx(),
    );
    expect(change.instance.state).toBe('stopped');
    expect(change.events.map((e) => e.type)).toEqual([
      EVENT_TYPES.instanceStopped,
    ]);
  });

  it('restarts a stopped lab on the same worker and ports, keeping the first start time', () => {
    const { instance } = anInstanceIn('stopped');
    const change = restartInstance(
      instance,
      { workerHostname: 'w1.lab.example' },
      ctx(at(90)),
    );
    expect(change.instance).toMatchObject({
      state: 'running',
      workerId: instance.workerId,
      allocatedPorts: instance.allocatedPorts,
      startedAt: instance.startedAt,
    });
    expect(change.events[0]).toMatchObject({
      type: EVENT_TYPES.instanceRunning,
      data: { restarted: true, cmlLabId: 'lab-1' },
    });
  });

  it('archives a stopped lab and keeps its resources until termination', () => {
    const change = archiveInstance(anInstanceIn('stopped').instance, ctx());
    expect(change.instance.state).toBe('archived');
    expect(change.capacity).toBeUndefined();
    expect(change.events.map((e) => e.type)).toEqual([
      EVENT_TYPES.instanceArchived,
    ]);
  });

  it('refuses to restart or archive anything but a stopped instance', () => {
    expect(() =>
      restartInstance(
        anInstanceIn('stopping').instance,
        { workerHostname: 'h' },
        ctx(),
      ),
    ).toThrow(InvalidTransition);
    expect(() =>
      archiveInstance(anInstanceIn('running').instance, ctx()),
    ).toThrow(InvalidTransition);
    expect(() =>
      markInstanceStopped(anInstanceIn('running').instance, ctx()),
    ).toThrow(InvalidTransition);
  });
});

describe('archived -> terminated: terminateArchivedInstance', () => {
  it('releases resources and reports final state, score and duration', () => {
    const { instance, capacity, ports } = anInstanceIn('archived'); // started at +3 min
    const change = terminateArchivedInstance(
      instance,
      { capacity, ports },
      ctx(at(63), 'lcm/controller'),
    );
    expect(change.instance).toMatchObject({
      state: 'terminated',
      terminatedAt: at(63),
    });
    expect(change.capacity?.allocated).toEqual(ZERO);
    expect(change.ports).toEqual({});
    expect(change.events[0].data).toMatchObject({
      finalState: 'archived',
      gradingScore: { total: 8, max: 10, passed: true },
      durationMinutes: 60,
      forced: false,
    });
  });

  it('is refused from stopped (archive first)', () => {
    const { instance, capacity, ports } = anInstanceIn('stopped');
    expect(() =>
      terminateArchivedInstance(instance, { capacity, ports }, ctx()),
    ).toThrow(InvalidTransition);
  });
});

describe('forceTerminateInstance (orphans, drain force-stop)', () => {
  it.each([
    'pending',
    'scheduled',
    'instantiating',
    'running',
    'collecting',
    'grading',
    'stopping',
    'stopped',
    'archived',
  ] as const)(
    'forces a %s instance to terminated and notifies the owner',
    (state) => {
      const { instance, capacity, ports } = anInstanceIn(state);
      const change = forceTerminateInstance(
        instance,
        { capacity, ports },
        ctx(at(100), 'lcm/controller', 'worker_lost'),
      );
      expect(change.instance.state).toBe('terminated');
      if (state === 'pending') {
        // Nothing was held, so there is nothing to write back.
        expect(change.capacity).toBeUndefined();
        expect(change.ports).toBeUndefined();
      } else {
        expect(change.capacity?.allocated).toEqual(ZERO);
        expect(change.ports).toEqual({});
      }
      expect(change.events.map((e) => e.type)).toEqual([
        EVENT_TYPES.instanceTerminated,
        EVENT_TYPES.instanceOwnerNotified,
      ]);
      expect(change.events[0].data).toMatchObject({
        finalState: state,
        forced: true,
        reason: 'worker_lost',
      });
    },
  );

  it('returns no worker records when the instance holds nothing there (already released)', () => {
    const { instance, capacity } = anInstanceIn('running');
    const change = forceTerminateInstance(
      instance,
      { capacity, ports: {} },
      ctx(T0, 'c', 'r'),
    );
    expect(change.capacity).toBeUndefined();
    expect(change.ports).toBeUndefined();
  });

  it('releases nothing when the worker is gone (no records given)', () => {
    const change = forceTerminateInstance(
      anInstanceIn('running').instance,
      undefined,
      ctx(T0, 'c', 'worker_terminated'),
    );
    expect(change.capacity).toBeUndefined();
    expect(change.ports).toBeUndefined();
  });

  it('needs a reason and refuses an already terminated instance', () => {
    const { instance } = anInstanceIn('running');
    expect(() => forceTerminateInstance(instance, undefined, ctx())).toThrow(
      ValidationError,
    );
    const terminated = forceTerminateInstance(
      instance,
      undefined,
      ctx(T0, 'c', 'r'),
    ).instance;
    expect(() =>
      forceTerminateInstance(terminated, undefined, ctx(T0, 'c', 'r')),
    ).toThrow(InvalidTransition);
  });
});

describe('every transition', () => {
  it('adds one to the generation, appends one history entry and stamps updatedAt', () => {
    const { instance } = anInstanceIn('running');
    const change = stopInstance(instance, ctx(at(77), 'user-1'));
    expect(change.instance.generation).toBe(instance.generation + 1);
    expect(change.instance.stateHistory).toHaveLength(
      instance.stateHistory.length + 1,
    );
    expect(lastHistory(change.instance)).toEqual({
      from: 'running',
      to: 'stopping',
      at: at(77),
      triggeredBy: 'user-1',
    });
    expect(change.instance.updatedAt).toBe(at(77));
  });

  it('numbers event ids from the subject, the new generation and the position, the same on a retry', () => {
    const { instance } = anInstanceIn('grading');
    const first = completeGrading(instance, { score: A_SCORE }, ctx(at(40)));
    const again = completeGrading(instance, { score: A_SCORE }, ctx(at(40)));
    expect(again.events).toEqual(first.events);
    expect(first.events.map((e) => e.id)).toEqual([
      `i-1:${instance.generation + 1}:0`,
      `i-1:${instance.generation + 1}:1`,
    ]);
  });

  it('does not mutate the record it was given', () => {
    const { instance } = anInstanceIn('running');
    const snapshot = JSON.parse(JSON.stringify(instance));
    stopInstance(instance, ctx());
    expect(instance).toEqual(snapshot);
  });

  it('reports the refused edge on InvalidTransition', () => {
    try {
      archiveInstance(aPendingInstance(), ctx());
      fail('expected InvalidTransition');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidTransition);
      expect(error).toMatchObject({
        code: 'INVALID_TRANSITION',
        entity: 'instance',
        id: 'i-1',
        from: 'pending',
        to: 'archived',
      });
    }
  });
});
