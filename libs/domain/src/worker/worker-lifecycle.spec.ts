import {
  aWorkerIn,
  at,
  ctx,
  T0,
  workerInput,
} from '../../test/domain-fixtures';
import { InvalidTransition, ValidationError } from '../errors';
import { EVENT_TYPES } from '../events/event-types';
import { createWorker } from './create-worker';
import { cancelDrain, startDraining, stopDrainedWorker } from './drain-worker';
import {
  failWorker,
  markWorkerRunning,
  restartWorker,
  startProvisioning,
} from './provision-worker';
import { markWorkerStopped, stopWorker } from './stop-worker';
import {
  markWorkerTerminatedByCloud,
  terminateFailedWorker,
  terminateStoppedWorker,
} from './terminate-worker';
import type { WorkerChange } from './worker-change';

const types = (change: WorkerChange) => change.events.map((e) => e.type);

describe('(new) -> pending: createWorker', () => {
  it('creates a pending worker with empty capacity and ports records and requests a scale-up', () => {
    const change = createWorker(
      workerInput(),
      ctx(
        T0,
        'lcm/controller',
        'Instance i-1 approaching timeslot with no capacity',
      ),
    );
    expect(change.worker).toMatchObject({
      schemaVersion: 1,
      id: 'w-1',
      generation: 0,
      state: 'pending',
      templateName: 'personal-standard',
      licenseType: 'PERSONAL',
      portRange: { start: 2000, end: 9999 },
      hostname: null,
      providerInstanceId: null,
      drainStartedAt: null,
      cordoned: false,
      createdBy: 'lcm/controller',
    });
    expect(change.capacity).toEqual({
      declared: { cpuCores: 48, memoryGb: 192, storageGb: 500, maxNodes: 20 },
      allocated: { cpuCores: 0, memoryGb: 0, storageGb: 0, maxNodes: 0 },
    });
    expect(change.ports).toEqual({});
    expect(change.events.map((e) => [e.id, e.type])).toEqual([
      ['w-1:0:0', EVENT_TYPES.workerPending],
      ['w-1:0:1', EVENT_TYPES.scalingUpRequested],
    ]);
    expect(change.events[0].data).toMatchObject({
      workerId: 'w-1',
      templateName: 'personal-standard',
      newState: 'pending',
    });
    expect(change.events[1].data).toEqual({
      template: 'personal-standard',
      reason: 'Instance i-1 approaching timeslot with no capacity',
      workerId: 'w-1',
      timestamp: T0,
      estimatedReadyTime: at(20),
    });
  });

  it('rejects an inverted port range and an unknown licence', () => {
    expect(() =>
      createWorker(
        workerInput({ portRange: { start: 5000, end: 4000 } }),
        ctx(),
      ),
    ).toThrow(ValidationError);
    expect(() =>
      createWorker(workerInput({ licenseType: 'FREE' as 'PERSONAL' }), ctx()),
    ).toThrow(ValidationError);
  });
});

describe('pending -> provisioning -> running', () => {
  it('records the cloud instance and AMI when provisioning starts', () => {
    const change = startProvisioning(
      aWorkerIn('pending').worker,
      { providerInstanceId: 'ec2-9', amiName: 'CML-2.9.0' },
      ctx(at(1)),
    );
    expect(change.worker).toMatchObject({
      state: 'provisioning',
      providerInstanceId: 'ec2-9',
      amiName: 'CML-2.9.0',
    });
    expect(types(change)).toEqual([EVENT_TYPES.workerProvisioningStarted]);
    expect(change.events[0].data).toMatchObject({
      providerInstanceId: 'ec2-9',
      workerId: 'w-1',
    });
  });

  it('emits worker.running and scaling.up.completed when the worker is ready', () => {
    const change = markWorkerRunning(
      aWorkerIn('provisioning').worker,
      { hostname: 'w1.example' },
      ctx(at(20)),
    );
    expect(change.worker).toMatchObject({
      state: 'running',
      hostname: 'w1.example',
    });
    expect(types(change)).toEqual([
      EVENT_TYPES.workerRunning,
      EVENT_TYPES.scalingUpCompleted,
    ]);
    expect(change.events[1].data).toMatchObject({
      template: 'personal-standard',
      workerId: 'w-1',
    });
  });

  it('refuses to run a worker that never provisioned', () => {
    expect(() =>
      markWorkerRunning(aWorkerIn('pending').worker, { hostname: 'h' }, ctx()),
    ).toThrow(InvalidTransition);
  });
});

describe('pending | provisioning -> failed -> terminated', () => {
  it.each(['pending', 'provisioning'] as const)(
    'fails a %s worker with its reason',
    (state) => {
      const change = failWorker(
        aWorkerIn(state).worker,
        ctx(at(41), 'lcm/controller', 'provisioning_timeout'),
      );
      expect(change.worker).toMatchObject({
        state: 'failed',
        stateReason: 'provisioning_timeout',
      });
      expect(types(change)).toEqual([EVENT_TYPES.workerFailed]);
      expect(change.events[0].data).toMatchObject({
        reason: 'provisioning_timeout',
      });
    },
  );

  it('needs a reason to fail and refuses to fail a running worker', () => {
    expect(() => failWorker(aWorkerIn('pending').worker, ctx())).toThrow(
      ValidationError,
    );
    expect(() =>
      failWorker(aWorkerIn('running').worker, ctx(T0, 'c', 'x')),
    ).toThrow(InvalidTransition);
  });

  it('terminates a failed worker without claiming a scale-down', () => {
    const change = terminateFailedWorker(
      aWorkerIn('failed').worker,
      ctx(at(50)),
    );
    expect(change.worker).toMatchObject({
      state: 'terminated',
      terminatedAt: at(50),
    });
    expect(types(change)).toEqual([EVENT_TYPES.workerTerminated]);
  });
});

describe('running -> draining -> running | stopping', () => {
  it('starts draining with the instance count and an estimated completion', () => {
    const change = startDraining(
      aWorkerIn('running').worker,
      { runningInstancesCount: 3 },
      ctx(at(30)),
    );
    expect(change.worker).toMatchObject({
      state: 'draining',
      drainStartedAt: at(30),
    });
    expect(types(change)).toEqual([
      EVENT_TYPES.workerDraining,
      EVENT_TYPES.scalingDownRequested,
    ]);
    for (const event of change.events) {
      expect(event.data).toMatchObject({
        reason: 'scale_down_idle',
        runningInstancesCount: 3,
        estimatedDrainCompletion: at(30 + 4 * 60),
        workerId: 'w-1',
      });
    }
  });

  it('cancels a drain on admin request', () => {
    const change = cancelDrain(
      aWorkerIn('draining').worker,
      ctx(at(40), 'admin-1'),
    );
    expect(change.worker).toMatchObject({
      state: 'running',
      drainStartedAt: null,
    });
    expect(types(change)).toEqual([EVENT_TYPES.workerDrainCancelled]);
    expect(change.events[0].data).toMatchObject({
      cancelledBy: 'admin-1',
      reason: 'admin_action',
    });
  });

  it('refuses to cancel a drain that is not happening', () => {
    expect(() => cancelDrain(aWorkerIn('running').worker, ctx())).toThrow(
      InvalidTransition,
    );
  });

  it('stops a drained worker (drain complete by default, or drain timeout)', () => {
    const complete = stopDrainedWorker(
      aWorkerIn('draining').worker,
      ctx(at(50)),
    );
    expect(complete.worker.state).toBe('stopping');
    expect(complete.events[0]).toMatchObject({
      type: EVENT_TYPES.workerStopping,
      data: { reason: 'drain_complete' },
    });
    const timedOut = stopDrainedWorker(
      aWorkerIn('draining').worker,
      ctx(at(300), 'lcm/controller', 'drain_timeout'),
    );
    expect(timedOut.events[0].data).toMatchObject({ reason: 'drain_timeout' });
  });

  it('refuses to drain a worker that is not running', () => {
    expect(() =>
      startDraining(
        aWorkerIn('provisioning').worker,
        { runningInstancesCount: 0 },
        ctx(),
      ),
    ).toThrow(InvalidTransition);
    expect(() =>
      startDraining(
        aWorkerIn('draining').worker,
        { runningInstancesCount: 0 },
        ctx(),
      ),
    ).toThrow(InvalidTransition);
  });
});

describe('running -> stopping -> stopped', () => {
  it('stops a running worker directly', () => {
    const change = stopWorker(
      aWorkerIn('running').worker,
      ctx(at(30), 'admin-1'),
    );
    expect(change.worker.state).toBe('stopping');
    expect(types(change)).toEqual([EVENT_TYPES.workerStopping]);
  });

  it('emits worker.stopped and scaling.down.completed when the cloud reports stopped', () => {
    const change = markWorkerStopped(aWorkerIn('stopping').worker, ctx(at(35)));
    expect(change.worker.state).toBe('stopped');
    expect(types(change)).toEqual([
      EVENT_TYPES.workerStopped,
      EVENT_TYPES.scalingDownCompleted,
    ]);
  });

  it('refuses to stop a draining worker through the running edge', () => {
    expect(() => stopWorker(aWorkerIn('draining').worker, ctx())).toThrow(
      InvalidTransition,
    );
  });
});

describe('stopped -> pending (restart) and stopped -> terminated', () => {
  it('restarts a stopped worker through pending, as a scale-up', () => {
    const { worker } = aWorkerIn('stopped');
    const change = restartWorker(worker, ctx(at(100), 'lcm/controller'));
    expect(change.worker).toMatchObject({
      state: 'pending',
      hostname: null,
      providerInstanceId: worker.providerInstanceId,
    });
    expect(types(change)).toEqual([
      EVENT_TYPES.workerPending,
      EVENT_TYPES.scalingUpRequested,
    ]);
    const provisioning = startProvisioning(
      change.worker,
      { providerInstanceId: worker.providerInstanceId as string },
      ctx(at(101)),
    );
    const running = markWorkerRunning(
      provisioning.worker,
      { hostname: 'new.example' },
      ctx(at(105)),
    );
    expect(running.worker.state).toBe('running');
  });

  it('terminates a stopped worker as the end of a scale-down', () => {
    const change = terminateStoppedWorker(
      aWorkerIn('stopped').worker,
      ctx(at(200)),
    );
    expect(change.worker).toMatchObject({
      state: 'terminated',
      terminatedAt: at(200),
    });
    expect(types(change)).toEqual([
      EVENT_TYPES.workerTerminated,
      EVENT_TYPES.scalingDownCompleted,
    ]);
  });

  it('refuses to restart or terminate (admin) a running worker', () => {
    expect(() => restartWorker(aWorkerIn('running').worker, ctx())).toThrow(
      InvalidTransition,
    );
    expect(() =>
      terminateStoppedWorker(aWorkerIn('running').worker, ctx()),
    ).toThrow(InvalidTransition);
  });
});

describe('any live state -> terminated: markWorkerTerminatedByCloud', () => {
  it.each([
    'pending',
    'provisioning',
    'running',
    'draining',
    'stopping',
    'stopped',
    'failed',
  ] as const)('terminates a %s worker the cloud reports gone', (state) => {
    const change = markWorkerTerminatedByCloud(
      aWorkerIn(state).worker,
      ctx(at(500)),
    );
    expect(change.worker).toMatchObject({
      state: 'terminated',
      terminatedAt: at(500),
      drainStartedAt: null,
    });
    expect(types(change)).toEqual([EVENT_TYPES.workerTerminated]);
    expect(change.events[0].data).toMatchObject({
      reason: 'cloud_terminated',
      previousState: state,
    });
  });

  it('refuses a worker that is already terminated', () => {
    expect(() =>
      markWorkerTerminatedByCloud(aWorkerIn('terminated').worker, ctx()),
    ).toThrow(InvalidTransition);
  });
});

describe('every worker transition', () => {
  it('bumps the generation, appends history and numbers events from the new generation', () => {
    const { worker } = aWorkerIn('running');
    const change = startDraining(
      worker,
      { runningInstancesCount: 0 },
      ctx(at(60), 'admin-1', 'admin_drain'),
    );
    expect(change.worker.generation).toBe(worker.generation + 1);
    expect(
      change.worker.stateHistory[change.worker.stateHistory.length - 1],
    ).toEqual({
      from: 'running',
      to: 'draining',
      at: at(60),
      triggeredBy: 'admin-1',
      reason: 'admin_drain',
    });
    expect(change.events.map((e) => e.id)).toEqual([
      `w-1:${worker.generation + 1}:0`,
      `w-1:${worker.generation + 1}:1`,
    ]);
  });

  it('produces the same events when the same change is computed again', () => {
    const { worker } = aWorkerIn('stopping');
    expect(markWorkerStopped(worker, ctx(at(9))).events).toEqual(
      markWorkerStopped(worker, ctx(at(9))).events,
    );
  });
});
