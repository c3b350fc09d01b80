import { aWorkerIn, at, ctx } from '../../test/domain-fixtures';
import { InvalidTransition } from '../errors';
import { cancelDrain, startDraining, stopDrainedWorker } from './drain-worker';
import { markWorkerStopped } from './stop-worker';
import { requestWorkerAction, setWorkerCordoned } from './worker-requests';
import { acceptsNewInstances } from './worker-state';

describe('admin requests on a worker', () => {
  it('records a drain request without changing state or emitting events', () => {
    const { worker } = aWorkerIn('running');
    const change = requestWorkerAction(
      worker,
      'drain',
      ctx(at(10), 'admin-1', 'maintenance'),
    );
    expect(change.worker).toMatchObject({
      state: 'running',
      generation: worker.generation + 1,
      requestedAction: {
        action: 'drain',
        requestedBy: 'admin-1',
        requestedAt: at(10),
        reason: 'maintenance',
      },
    });
    expect(change.events).toEqual([]);
  });

  it('is cleared by the transition that carries it out', () => {
    const requested = requestWorkerAction(
      aWorkerIn('running').worker,
      'drain',
      ctx(at(10), 'admin-1'),
    ).worker;
    const draining = startDraining(
      requested,
      { runningInstancesCount: 0 },
      ctx(at(11)),
    ).worker;
    expect(draining.requestedAction).toBeNull();
  });

  it('keeps a stop request through draining and stopping until the worker is stopped', () => {
    let worker = requestWorkerAction(
      aWorkerIn('running').worker,
      'stop',
      ctx(at(10), 'admin-1'),
    ).worker;
    worker = startDraining(
      worker,
      { runningInstancesCount: 2 },
      ctx(at(11)),
    ).worker;
    expect(worker.requestedAction?.action).toBe('stop');
    worker = stopDrainedWorker(worker, ctx(at(12))).worker;
    expect(worker.requestedAction?.action).toBe('stop');
    worker = markWorkerStopped(worker, ctx(at(13))).worker;
    expect(worker.requestedAction).toBeNull();
  });

  it('refuses cancel-drain on a worker that is not draining (409)', () => {
    expect(() =>
      requestWorkerAction(aWorkerIn('running').worker, 'cancel_drain', ctx()),
    ).toThrow(InvalidTransition);
  });

  it('accepts cancel-drain on a draining worker, cleared when it runs again', () => {
    const worker = requestWorkerAction(
      aWorkerIn('draining').worker,
      'cancel_drain',
      ctx(at(40), 'admin-1'),
    ).worker;
    expect(
      cancelDrain(worker, ctx(at(41), 'admin-1')).worker.requestedAction,
    ).toBeNull();
  });

  it('changes nothing when the same action is asked again', () => {
    const once = requestWorkerAction(
      aWorkerIn('running').worker,
      'drain',
      ctx(at(10), 'admin-1'),
    ).worker;
    expect(
      requestWorkerAction(once, 'drain', ctx(at(11), 'admin-2')).worker,
    ).toBe(once);
  });
});

describe('cordoning', () => {
  it('stops a running worker from accepting new instances, and back', () => {
    const { worker } = aWorkerIn('running');
    expect(acceptsNewInstances(worker)).toBe(true);
    const cordoned = setWorkerCordoned(
      worker,
      true,
      ctx(at(5), 'admin-1'),
    ).worker;
    expect(cordoned).toMatchObject({
      cordoned: true,
      state: 'running',
      generation: worker.generation + 1,
    });
    expect(acceptsNewInstances(cordoned)).toBe(false);
    expect(
      acceptsNewInstances(
        setWorkerCordoned(cordoned, false, ctx(at(6), 'admin-1')).worker,
      ),
    ).toBe(true);
  });

  it('says so in an event naming who cordoned it, and again when uncordoned', () => {
    const { worker } = aWorkerIn('running');
    const cordon = setWorkerCordoned(worker, true, ctx(at(5), 'admin-1'));
    expect(cordon.events).toEqual([
      {
        id: `${worker.id}:${worker.generation + 1}:0`,
        type: 'lcm.worker.cordoned',
        subject: worker.id,
        time: at(5),
        data: {
          workerId: worker.id,
          templateName: worker.templateName,
          previousState: 'running',
          newState: 'running',
          timestamp: at(5),
          triggeredBy: 'admin-1',
          reason: 'admin_action',
          cordoned: true,
        },
      },
    ]);
    const uncordon = setWorkerCordoned(
      cordon.worker,
      false,
      ctx(at(6), 'admin-2'),
    );
    expect(uncordon.events.map((e) => [e.type, e.data])).toEqual([
      [
        'lcm.worker.uncordoned',
        expect.objectContaining({ cordoned: false, triggeredBy: 'admin-2' }),
      ],
    ]);
  });

  it('is a no-op when already in the asked state', () => {
    const { worker } = aWorkerIn('running');
    const change = setWorkerCordoned(worker, false, ctx());
    expect(change.worker).toBe(worker);
    expect(change.events).toEqual([]);
  });

  it('only running workers accept instances', () => {
    for (const state of [
      'pending',
      'provisioning',
      'draining',
      'stopping',
      'stopped',
      'failed',
      'terminated',
    ] as const) {
      expect(acceptsNewInstances({ state })).toBe(false);
    }
  });
});
