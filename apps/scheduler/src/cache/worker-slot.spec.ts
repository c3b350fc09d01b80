import { scheduleInstance } from '@lcm/domain';
import {
  aPendingInstance,
  aRunningWorker,
  ctx,
} from '../../test/scheduler-fixtures';
import { PlannedPlacement, WorkerSlot } from './worker-slot';

function slotWithRecords(): WorkerSlot {
  const { created, running } = aRunningWorker('w1');
  const slot = new WorkerSlot('w1');
  slot.update({ part: 'state', revision: 10, value: () => running.worker });
  slot.update({
    part: 'capacity',
    revision: 11,
    value: () => created.capacity,
  });
  slot.update({ part: 'ports', revision: 12, value: () => created.ports });
  return slot;
}

function planOn(slot: WorkerSlot, id: string): PlannedPlacement {
  const view = slot.view();
  if (!view) throw new Error('incomplete worker');
  const instance = aPendingInstance(id).instance;
  const placement = {
    instance: { value: instance, revision: 5 },
    change: scheduleInstance(instance, view, ctx('lcm/scheduler')),
  };
  slot.plan(placement);
  return placement;
}

describe('WorkerSlot', () => {
  it('plans on top of earlier plans, and batches them with the revisions the first one was computed from', () => {
    const slot = slotWithRecords();
    planOn(slot, 'i1');
    planOn(slot, 'i2');
    expect(slot.view()?.capacity.allocated.cpuCores).toBe(8);
    const batch = slot.takeBatch(10);
    expect(batch?.base).toEqual({ worker: 10, capacity: 11, ports: 12 });
    expect(batch?.placements.map((p) => p.instance.value.id)).toEqual([
      'i1',
      'i2',
    ]);
    // One transaction per worker at a time.
    planOn(slot, 'i3');
    expect(slot.takeBatch(10)).toBeUndefined();
  });

  it('after a commit, the next batch compares the revision that commit wrote', () => {
    const slot = slotWithRecords();
    planOn(slot, 'i1');
    slot.takeBatch(10);
    planOn(slot, 'i2');
    expect(slot.committed(20)).toEqual([]);
    expect(slot.capacity?.revision).toBe(20);
    expect(slot.takeBatch(10)?.base).toEqual({
      worker: 10,
      capacity: 20,
      ports: 20,
    });
  });

  it('tells the echo of its own commit from a change by someone else, which drops the plans built on the old records', () => {
    const slot = slotWithRecords();
    planOn(slot, 'i1');
    slot.takeBatch(10);
    const queued = planOn(slot, 'i2');
    // While the batch is in flight, its echo arrives (never decoded); then an admin cordons the worker.
    const echo = () => {
      throw new Error('the echo of our own commit is not decoded');
    };
    slot.update({ part: 'capacity', revision: 20, value: echo });
    slot.update({ part: 'ports', revision: 20, value: echo });
    expect(slot.committed(20)).toEqual([]);
    const worker = slot.worker?.value;
    if (!worker) throw new Error('no worker record');
    expect(
      slot.update({
        part: 'state',
        revision: 21,
        value: () => ({ ...worker, cordoned: true }),
      }),
    ).toEqual([queued]);
    expect(slot.queued).toEqual([]);
    expect(slot.view()?.worker.cordoned).toBe(true);
    // The committed placement stays; the dropped one no longer weighs on the view.
    expect(slot.view()?.capacity.allocated.cpuCores).toBe(4);
  });

  it('a failed batch gives back its placements and everything planned after them, and sends nothing until re-read', () => {
    const slot = slotWithRecords();
    planOn(slot, 'i1');
    slot.takeBatch(10);
    planOn(slot, 'i2');
    expect(slot.failed().map((p) => p.instance.value.id)).toEqual(['i1', 'i2']);
    expect(slot.view()?.capacity.allocated.cpuCores).toBe(0);
    planOn(slot, 'i3');
    expect(slot.takeBatch(10)).toBeUndefined();
    const unchanged = slot.capacity?.value;
    expect(
      slot.refreshed([
        { part: 'capacity', revision: 11, value: () => unchanged },
      ]),
    ).toEqual([]);
    expect(
      slot.takeBatch(10)?.placements.map((p) => p.instance.value.id),
    ).toEqual(['i3']);
  });

  it('withdraws the plans made since a mark, leaving the slot exactly as it was (a re-packed window)', () => {
    const slot = slotWithRecords();
    planOn(slot, 'i1');
    slot.takeBatch(10);
    planOn(slot, 'i2');
    const mark = slot.mark();
    if (!mark) throw new Error('incomplete worker');
    const i3 = planOn(slot, 'i3');
    const i4 = planOn(slot, 'i4');
    expect(slot.view()?.capacity.allocated.cpuCores).toBe(16);
    expect(slot.withdrawTo(mark)).toEqual([i3, i4]);
    expect(slot.view()).toBe(mark.view);
    expect(slot.view()?.capacity.allocated.cpuCores).toBe(8);
    expect(slot.queued.map((p) => p.instance.value.id)).toEqual(['i2']);
    // The in-flight batch and the plan before the mark carry on as if nothing happened.
    expect(slot.committed(20)).toEqual([]);
    expect(
      slot.takeBatch(10)?.placements.map((p) => p.instance.value.id),
    ).toEqual(['i2']);
  });

  it('withdrawing everything from an idle slot leaves it with no plans, on its confirmed records', () => {
    const slot = slotWithRecords();
    const mark = slot.mark();
    if (!mark) throw new Error('incomplete worker');
    planOn(slot, 'i1');
    slot.withdrawTo(mark);
    expect(slot.hasPlans()).toBe(false);
    expect(slot.takeBatch(10)).toBeUndefined();
    expect(slot.view()?.capacity.allocated.cpuCores).toBe(0);
    planOn(slot, 'i2');
    expect(slot.takeBatch(10)?.base).toEqual({
      worker: 10,
      capacity: 11,
      ports: 12,
    });
  });

  it('counts released ports, freed capacity and any state change as room that may have appeared', () => {
    const { created } = aRunningWorker('w1');
    const held = {
      ...created.ports,
      i1: {
        instanceId: 'i1',
        ports: { serial_1: 2000 },
        allocatedAt: ctx().now,
      },
    };
    expect(WorkerSlot.couldHelp('ports', held, created.ports)).toBe(true);
    expect(WorkerSlot.couldHelp('ports', created.ports, held)).toBe(false);
    const capacity = created.capacity;
    if (!capacity) throw new Error('no capacity record');
    const busy = {
      ...capacity,
      allocated: { ...capacity.allocated, cpuCores: 4 },
    };
    expect(WorkerSlot.couldHelp('capacity', busy, capacity)).toBe(true);
    expect(WorkerSlot.couldHelp('capacity', capacity, busy)).toBe(false);
    expect(WorkerSlot.couldHelp('state', undefined, undefined)).toBe(true);
  });
});
