import {
  anInstanceIn,
  aPendingInstance,
  at,
  ctx,
} from '../../test/domain-fixtures';
import { InvalidTransition } from '../errors';
import { abandonCollection, startCollection } from './assessment';
import { requestInstanceAction } from './instance-requests';
import { restartInstance } from './run-instance';
import { markInstanceStopped, stopInstance } from './stop-and-archive';

describe('user requests on an instance', () => {
  it('records a stop request for the controller, without a state change or event', () => {
    const { instance } = anInstanceIn('running');
    const change = requestInstanceAction(
      instance,
      'stop',
      ctx(at(40), 'user-1', 'done early'),
    );
    expect(change.instance).toMatchObject({
      state: 'running',
      generation: instance.generation + 1,
      requestedAction: {
        action: 'stop',
        requestedBy: 'user-1',
        requestedAt: at(40),
        reason: 'done early',
      },
    });
    expect(change.events).toEqual([]);
  });

  it('keeps a stop request while stopping and clears it once stopped', () => {
    let instance = requestInstanceAction(
      anInstanceIn('running').instance,
      'stop',
      ctx(at(40), 'user-1'),
    ).instance;
    instance = stopInstance(instance, ctx(at(41))).instance;
    expect(instance.requestedAction?.action).toBe('stop');
    instance = markInstanceStopped(instance, ctx(at(42))).instance;
    expect(instance.requestedAction).toBeNull();
  });

  it('keeps a stop request through collection, then an abandoned collection', () => {
    let instance = requestInstanceAction(
      anInstanceIn('running').instance,
      'stop',
      ctx(at(40), 'user-1'),
    ).instance;
    instance = startCollection(
      instance,
      { collectionReason: 'timeslot_end' },
      ctx(at(41)),
    ).instance;
    expect(instance.requestedAction?.action).toBe('stop');
    instance = abandonCollection(
      instance,
      ctx(at(42), 'c', 'user_stop'),
    ).instance;
    expect(instance.requestedAction?.action).toBe('stop');
  });

  it('clears a collect request when collection starts, and drops it if the lab stops instead', () => {
    const requested = requestInstanceAction(
      anInstanceIn('running').instance,
      'collect',
      ctx(at(40), 'user-1'),
    ).instance;
    expect(
      startCollection(requested, { collectionReason: 'manual' }, ctx(at(41)))
        .instance.requestedAction,
    ).toBeNull();
    expect(
      stopInstance(requested, ctx(at(41))).instance.requestedAction,
    ).toBeNull();
  });

  it('accepts start only for a stopped instance and clears it when running again', () => {
    expect(() =>
      requestInstanceAction(anInstanceIn('running').instance, 'start', ctx()),
    ).toThrow(InvalidTransition);
    const requested = requestInstanceAction(
      anInstanceIn('stopped').instance,
      'start',
      ctx(at(50), 'user-1'),
    ).instance;
    expect(
      restartInstance(requested, { workerHostname: 'h' }, ctx(at(51))).instance
        .requestedAction,
    ).toBeNull();
  });

  it('accepts delete in every live state and keeps it until terminated', () => {
    for (const state of [
      'pending',
      'scheduled',
      'instantiating',
      'running',
      'collecting',
      'grading',
      'stopping',
      'stopped',
      'archived',
    ] as const) {
      const { instance } = anInstanceIn(state);
      expect(
        requestInstanceAction(instance, 'delete', ctx(at(50), 'user-1'))
          .instance.requestedAction?.action,
      ).toBe('delete');
    }
    const deleting = requestInstanceAction(
      anInstanceIn('running').instance,
      'delete',
      ctx(at(50), 'user-1'),
    ).instance;
    expect(
      markInstanceStopped(
        stopInstance(deleting, ctx(at(51))).instance,
        ctx(at(52)),
      ).instance.requestedAction?.action,
    ).toBe('delete');
  });

  it('refuses stop for an instance that has not started', () => {
    expect(() =>
      requestInstanceAction(aPendingInstance(), 'stop', ctx()),
    ).toThrow(InvalidTransition);
  });

  it('changes nothing when the same action is asked again', () => {
    const once = requestInstanceAction(
      anInstanceIn('running').instance,
      'stop',
      ctx(at(40), 'user-1'),
    ).instance;
    expect(
      requestInstanceAction(once, 'stop', ctx(at(41), 'user-1')).instance,
    ).toBe(once);
  });
});
