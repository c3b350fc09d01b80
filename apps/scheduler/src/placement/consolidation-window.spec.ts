import { scheduleInstance, type InstanceSpec } from '@lcm/domain';
import type { WorkerView } from '@lcm/scheduling';
import {
  aPendingInstance,
  aRunningWorker,
  aSpec,
  ctx,
} from '../../test/scheduler-fixtures';
import type { PendingInstance } from '../cache/scheduler-cache';
import { WorkerSlot } from '../cache/worker-slot';
import { ConsolidationWindow } from './consolidation-window';

/** `units` sixteenths of a 16-core, 64 GB, 400 GB, 16-node, 16-port worker in every dimension. */
const sixteenths = (units: number): InstanceSpec =>
  aSpec({
    cpuCores: units,
    memoryGb: 4 * units,
    storageGb: 25 * units,
    nodeCount: units,
    portCount: units,
  });

function sixteenSizedSlot(id: string): WorkerSlot {
  const { created, running } = aRunningWorker(id, {
    capacity: { cpuCores: 16, memoryGb: 64, storageGb: 400, maxNodes: 16 },
    portRange: { start: 3000, end: 3015 },
  });
  const slot = new WorkerSlot(id);
  slot.update({ part: 'state', revision: 10, value: () => running.worker });
  slot.update({
    part: 'capacity',
    revision: 11,
    value: () => created.capacity,
  });
  slot.update({ part: 'ports', revision: 12, value: () => created.ports });
  return slot;
}

/** What the term does for an admitted instance: remember the slot, plan on it, record it. */
function admit(
  window: ConsolidationWindow,
  slot: WorkerSlot,
  id: string,
  units: number,
): PendingInstance {
  const instance = aPendingInstance(id, { spec: sixteenths(units) }).instance;
  const entry = { record: { value: instance, revision: 5 }, pendingSince: 0 };
  window.beforePlanning(slot);
  slot.plan({
    instance: entry.record,
    change: scheduleInstance(
      instance,
      slot.view() as WorkerView,
      ctx('lcm/scheduler'),
    ),
  });
  window.planned(entry, slot);
  return entry;
}

describe('ConsolidationWindow', () => {
  it('re-packs a window that opened workers one-at-a-time placement did not need: its instances in queue order, each with its new worker', () => {
    const slots = ['w1', 'w2', 'w3', 'w4'].map(sixteenSizedSlot);
    const [w1, w2, w3] = slots;
    const window = new ConsolidationWindow(() => slots);
    // One at a time: 6 + 6 on w1, then each 10 opens its own worker.
    const entries = [
      admit(window, w1, 'i0', 6),
      admit(window, w1, 'i1', 6),
      admit(window, w2, 'i2', 10),
      admit(window, w3, 'i3', 10),
    ];

    const repack = window.close();
    expect(repack?.consolidation.workersInUse).toEqual({
      queueOrder: 3,
      consolidated: 2,
    });
    expect(repack?.moves).toEqual([
      { entry: entries[0], workerId: 'w1' },
      { entry: entries[1], workerId: 'w2' },
      { entry: entries[2], workerId: 'w1' },
      { entry: entries[3], workerId: 'w2' },
    ]);
    // The marks return every touched slot to its state before the window.
    for (const [slot, mark] of repack?.marks ?? []) slot.withdrawTo(mark);
    expect(slots.every((s) => !s.hasPlans())).toBe(true);
  });

  it('keeps a window that opened no worker without searching, and starts the next one empty', () => {
    const slots = ['w1', 'w2'].map(sixteenSizedSlot);
    const [w1] = slots;
    const first = new ConsolidationWindow(() => slots);
    admit(first, w1, 'i-old', 2);
    first.close();

    const window = new ConsolidationWindow(() => slots);
    admit(window, w1, 'i0', 6);
    admit(window, w1, 'i1', 6);
    expect(window.size).toBe(2);
    expect(window.close()).toBeUndefined();
    expect(window.size).toBe(0);
    expect(window.close()).toBeUndefined();
  });

  it('keeps a window whose one-at-a-time placement is already the fewest workers', () => {
    const slots = ['w1', 'w2', 'w3'].map(sixteenSizedSlot);
    const [w1, w2] = slots;
    const window = new ConsolidationWindow(() => slots);
    admit(window, w1, 'i0', 10);
    admit(window, w2, 'i1', 10);
    admit(window, w1, 'i2', 6);
    admit(window, w2, 'i3', 6);
    expect(window.close()).toBeUndefined();
  });
});
