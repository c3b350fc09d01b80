import {
  anInstanceIn,
  aSpec,
  at,
  ctx,
  instanceInput,
  T0,
} from '../../test/domain-fixtures';
import { ValidationError } from '../errors';
import { createInstance } from './create-instance';
import {
  instantiationAllowanceOf,
  instantiationDueAt,
  instantiationTimeoutOf,
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

  it("answers an instance's instantiation allowance: its definition's, else the deployment's", () => {
    const declared = { spec: aSpec({ instantiationAllowanceMinutes: 4 }) };
    const undeclared = { spec: aSpec() };
    expect(instantiationAllowanceOf(declared)).toBe(4);
    expect(instantiationAllowanceOf(declared, 15)).toBe(4);
    expect(instantiationAllowanceOf(undeclared)).toBe(15);
    expect(instantiationAllowanceOf(undeclared, 9)).toBe(9);
  });

  it('starts instantiating a lab whose declared allowance is longer than the lead time that much before its slot', () => {
    const { instance } = anInstanceIn('scheduled', {
      spec: aSpec({ instantiationAllowanceMinutes: 50 }),
      timeslotStart: at(100),
      timeslotEnd: at(160),
    });
    expect(instantiationDueAt(instance)).toBe(at(50));
    expect(isInstantiationDue(instance, at(50))).toBe(true);
    // A short declared allowance does not delay it past the lead time.
    const quick = anInstanceIn('scheduled', {
      spec: aSpec({ instantiationAllowanceMinutes: 3 }),
      timeslotStart: at(100),
      timeslotEnd: at(160),
    }).instance;
    expect(instantiationDueAt(quick)).toBe(at(65));
  });

  it('gives a lab whose declared allowance is longer than the timeout that allowance before calling it stuck', () => {
    const { instance } = anInstanceIn('instantiating', {
      spec: aSpec({ instantiationAllowanceMinutes: 40 }),
    }); // entered at +2 min
    expect(instantiationTimeoutOf(instance)).toBe(40);
    expect(isInstantiationStuck(instance, at(18))).toBe(false);
    expect(isInstantiationStuck(instance, at(42))).toBe(false);
    expect(isInstantiationStuck(instance, at(43))).toBe(true);
    const quick = anInstanceIn('instantiating', {
      spec: aSpec({ instantiationAllowanceMinutes: 3 }),
    }).instance;
    expect(instantiationTimeoutOf(quick, 15)).toBe(15);
  });

  it('refuses an instance spec whose allowance is out of bounds, naming the field', () => {
    for (const bad of [0, 241, 2.5, '5'])
      expect(() =>
        createInstance(
          instanceInput({
            spec: aSpec({
              instantiationAllowanceMinutes: bad as number,
            }),
          }),
          ctx(T0, 'user-1'),
        ),
      ).toThrow(
        expect.objectContaining({
          field: 'spec.instantiationAllowanceMinutes',
        }) as ValidationError,
      );
  });
});
