import {
  ALL_EVENT_TYPES,
  CONSUMED_EVENT_TYPES,
  EMITTED_EVENT_TYPES,
  EVENT_TYPES,
  isConsumedEventType,
  isEventType,
} from './event-types';

describe('the event type catalog', () => {
  it('lists every lcm.* type of docs/events.md#catalog and the extra LCM types', () => {
    expect([...EMITTED_EVENT_TYPES].sort()).toEqual(
      [
        'lcm.lablet.definition.created',
        'lcm.lablet.definition.version.created',
        'lcm.lablet.definition.deprecated',
        'lcm.lablet.instance.pending',
        'lcm.lablet.instance.scheduled',
        'lcm.lablet.instance.provisioning.started',
        'lcm.lablet.instance.provisioning.retried',
        'lcm.lablet.instance.running',
        'lcm.lablet.instance.collecting.started',
        'lcm.lablet.instance.grading.started',
        'lcm.lablet.instance.grading.completed',
        'lcm.lablet.instance.stopping',
        'lcm.lablet.instance.stopped',
        'lcm.lablet.instance.archived',
        'lcm.lablet.instance.terminated',
        'lcm.lablet.instance.timeslot.missed',
        'lcm.lablet.instance.owner.notified',
        'lcm.worker.pending',
        'lcm.worker.provisioning.started',
        'lcm.worker.running',
        'lcm.worker.draining',
        'lcm.worker.drain.cancelled',
        'lcm.worker.cordoned',
        'lcm.worker.uncordoned',
        'lcm.worker.stopping',
        'lcm.worker.stopped',
        'lcm.worker.terminated',
        'lcm.worker.failed',
        'lcm.worker.license.changed',
        'lcm.scaling.up.requested',
        'lcm.scaling.up.completed',
        'lcm.scaling.down.requested',
        'lcm.scaling.down.completed',
      ].sort(),
    );
  });

  it('lists the consumed assessment types separately', () => {
    expect([...CONSUMED_EVENT_TYPES]).toEqual([
      'assessment.collection.completed',
      'assessment.grading.completed',
    ]);
    expect(isConsumedEventType('assessment.grading.completed')).toBe(true);
    expect(isConsumedEventType(EVENT_TYPES.instanceRunning)).toBe(false);
  });

  it('has no duplicates and recognises only its own types', () => {
    expect(new Set(ALL_EVENT_TYPES).size).toBe(ALL_EVENT_TYPES.length);
    expect(isEventType('lcm.worker.draining')).toBe(true);
    expect(isEventType('lcm.worker.exploded')).toBe(false);
  });
});
