import { anInstanceIn, at } from '../../test/domain-fixtures';
import { InvalidTransition } from '../errors';
import { isTimeslotMissed, timeslotMissedAt } from './instance-timing';
import { expireMissedTimeslot, TIMESLOT_MISSED } from './terminate-instance';

describe('missed timeslots', () => {
  const booked = () =>
    anInstanceIn('pending', { timeslotStart: at(100), timeslotEnd: at(160) })
      .instance;

  it('a PENDING instance misses its slot once timeslotStart + grace (5 min) has passed', () => {
    const instance = booked();
    expect(timeslotMissedAt(instance)).toBe(at(105));
    expect(isTimeslotMissed(instance, at(104))).toBe(false);
    expect(isTimeslotMissed(instance, at(105))).toBe(true);
    expect(isTimeslotMissed(instance, at(105), 10)).toBe(false);
    expect(isTimeslotMissed(anInstanceIn('scheduled').instance, at(500))).toBe(
      false,
    );
  });

  it('an ASAP request (slot start at or before its creation) waits for a worker: it misses only once its slot is over', () => {
    const asap = anInstanceIn('pending', {
      timeslotStart: at(-10),
      timeslotEnd: at(50),
    }).instance;
    expect(timeslotMissedAt(asap)).toBe(at(50));
    expect(isTimeslotMissed(asap, at(30))).toBe(false);
    expect(isTimeslotMissed(asap, at(50))).toBe(true);
  });

  it('ends it as terminated (timeslot_missed) with the terminated and timeslot.missed events, holding nothing', () => {
    const instance = booked();
    const change = expireMissedTimeslot(instance, 5, {
      now: at(106),
      triggeredBy: 'lcm/controller',
    });
    expect(change.instance).toMatchObject({
      state: 'terminated',
      stateReason: TIMESLOT_MISSED,
      terminatedAt: at(106),
    });
    expect(change.capacity).toBeUndefined();
    expect(change.ports).toBeUndefined();
    expect(change.events.map((e) => e.type)).toEqual([
      'lcm.lablet.instance.terminated',
      'lcm.lablet.instance.timeslot.missed',
    ]);
    expect(change.events[1].data).toMatchObject({
      instanceId: instance.id,
      previousState: 'pending',
      newState: 'terminated',
      reason: 'timeslot_missed',
      ownerId: instance.ownerId,
      timeslotStart: at(100),
      graceMinutes: 5,
      pendingReason: null,
    });
  });

  it('refuses before the grace period is over, and for an instance that is not pending', () => {
    expect(() =>
      expireMissedTimeslot(booked(), 5, { now: at(104), triggeredBy: 'x' }),
    ).toThrow(InvalidTransition);
    expect(() =>
      expireMissedTimeslot(anInstanceIn('scheduled').instance, 5, {
        now: at(500),
        triggeredBy: 'x',
      }),
    ).toThrow(InvalidTransition);
  });
});
