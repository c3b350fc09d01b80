import {
  aPendingInstance,
  aTemplate,
  aWorker,
  at,
  placeOn,
  T0,
} from '../../test/scheduling-fixtures';
import { bookingWindow, bookingWindowReason } from './booking-window';

const TEMPLATES = [aTemplate()];
const OPTIONS = { region: 'eu-west-1', instantiationAllowanceMinutes: 15 };

describe('bookingWindow', () => {
  const booked = aPendingInstance({ id: 'i-b', startsIn: 120 });

  it('opens at the slot minus the template start-up and the allowance (when a worker must be started)', () => {
    const window = bookingWindow(booked, TEMPLATES, OPTIONS);
    expect(window).toEqual({
      opensAt: at(120 - 20 - 15),
      leadTimeMinutes: 35,
      template: 'personal-standard',
      explanation:
        'personal-standard start-up 20 min + instantiation allowance 15 min',
    });
    expect(bookingWindowReason(booked, window)).toBe(
      `booked for ${at(120)}: placed from ${at(85)} (personal-standard start-up 20 min + instantiation allowance 15 min)`,
    );
    // No worker able to take it: the same as without workers.
    expect(
      bookingWindow(booked, TEMPLATES, {
        ...OPTIONS,
        workers: [aWorker('provisioning', { id: 'w-starting' })],
      }).opensAt,
    ).toBe(at(85));
  });

  it('opens at the slot minus the allowance alone when a running worker has room for it now', () => {
    const window = bookingWindow(booked, TEMPLATES, {
      ...OPTIONS,
      workers: [aWorker('running', { id: 'w-1' })],
    });
    expect(window).toEqual({
      opensAt: at(105),
      leadTimeMinutes: 15,
      template: 'personal-standard',
      explanation: 'a running worker has room: instantiation allowance 15 min',
    });
  });

  it('counts the room left: a full running worker does not shorten the window', () => {
    let view = aWorker('running', { id: 'w-1' });
    // Ten labs fill a personal worker (storage and nodes).
    for (let k = 0; k < 10; k++)
      view = placeOn(
        view,
        aPendingInstance({ id: `i-${k}`, startsIn: 0 }),
        at(21),
      ).view;
    expect(
      bookingWindow(booked, TEMPLATES, { ...OPTIONS, workers: [view] }).opensAt,
    ).toBe(at(85));
  });

  it('uses the default lead time when no template of the region can host it, and is open for ASAP', () => {
    const enterprise = aPendingInstance({
      id: 'i-e',
      startsIn: 120,
      licenseAffinity: ['ENTERPRISE'],
    });
    expect(
      bookingWindow(enterprise, TEMPLATES, {
        ...OPTIONS,
        defaultLeadTimeMinutes: 40,
        workers: [aWorker('running', { id: 'w-1' })],
      }),
    ).toMatchObject({ opensAt: at(80), template: null, leadTimeMinutes: 40 });
    const asap = aPendingInstance({ id: 'i-a', startsIn: 0 });
    expect(
      Date.parse(bookingWindow(asap, TEMPLATES, OPTIONS).opensAt),
    ).toBeLessThanOrEqual(Date.parse(T0));
  });

  it("uses the allowance the instance's definition declares instead of the deployment's", () => {
    const quick = aPendingInstance({
      id: 'i-q',
      startsIn: 120,
      instantiationAllowanceMinutes: 4,
    });
    expect(bookingWindow(quick, TEMPLATES, OPTIONS)).toEqual({
      opensAt: at(120 - 20 - 4),
      leadTimeMinutes: 24,
      template: 'personal-standard',
      explanation:
        'personal-standard start-up 20 min + instantiation allowance 4 min',
    });
    expect(
      bookingWindow(quick, TEMPLATES, {
        ...OPTIONS,
        workers: [aWorker('running', { id: 'w-1' })],
      }),
    ).toMatchObject({ opensAt: at(116), leadTimeMinutes: 4 });
    // A slow lab opens its window earlier than the deployment's allowance would.
    const slow = aPendingInstance({
      id: 'i-s',
      startsIn: 120,
      instantiationAllowanceMinutes: 45,
    });
    expect(bookingWindow(slow, TEMPLATES, OPTIONS).opensAt).toBe(at(55));
  });
});
