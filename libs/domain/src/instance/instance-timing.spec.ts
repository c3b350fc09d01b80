import { anInstanceIn, at } from '../../test/domain-fixtures';
import {
  instantiationDueAt,
  isInstantiationDue,
  isInstantiationStuck,
  isTimeslotOver,
} from './instance-timing';

describe('instance timing', () => {
  it('makes a scheduled instance due for instantiation one lead time (35 min) before its start', () => {
    const { instance } = anInstanceIn('scheduled', {
      timeslotStart: at(100),
      timeslotEnd: at(160),
    });
    expect(instantiationDueAt(instance)).toBe(at(65));
    expect(isInstantiationDue(instance, at(64))).toBe(false);
    expect(isInstantiationDue(instance, at(65))).toBe(true);
    expect(isInstantiationDue(instance, at(70), 5)).toBe(false);
  });

  it('makes an ASAP instance due at once', () => {
    const { instance } = anInstanceIn('scheduled');
    expect(isInstantiationDue(instance, at(1))).toBe(true);
  });

  it('only scheduled instances are due', () => {
    expect(isInstantiationDue(anInstanceIn('pending').instance, at(100))).toBe(
      false,
    );
  });

  it('sees the timeslot end', () => {
    const { instance } = anInstanceIn('running');
    expect(isTimeslotOver(instance, at(59))).toBe(false);
    expect(isTimeslotOver(instance, at(60))).toBe(true);
  });

  it('calls an instantiation stuck after 15 minutes in instantiating', () => {
    const { instance } = anInstanceIn('instantiating'); // entered at +2 min
    expect(isInstantiationStuck(instance, at(17))).toBe(false);
    expect(isInstantiationStuck(instance, at(18))).toBe(true);
    expect(
      isInstantiationStuck(anInstanceIn('running').instance, at(1000)),
    ).toBe(false);
  });
});
