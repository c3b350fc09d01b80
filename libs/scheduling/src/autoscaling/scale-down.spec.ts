import {
  startDraining,
  terminateScheduledInstance,
  type WorkerCapacityRecord,
  type WorkerPorts,
} from '@lcm/domain';
import {
  aPendingInstance,
  aWorker,
  at,
  ctx,
  placeOn,
  restartedWorker,
} from '../../test/scheduling-fixtures';
import type { WorkerView } from '../placement/worker-view';
import { decideScaleDown } from './scale-down';

// aWorker: created at T0, running from at(20).
const idleWorker = (id = 'w-1', createdAt?: string): WorkerView =>
  aWorker('running', { id, createdAt });

/** A worker holding `instanceIds` (scheduled through the domain), then put into draining at at(30). */
function drainingWith(id: string, instanceIds: string[]) {
  let view = aWorker('running', { id });
  const instances = instanceIds.map((instanceId) => {
    const placed = placeOn(view, aPendingInstance({ id: instanceId }), at(25));
    view = placed.view;
    return placed.instance;
  });
  const worker = startDraining(
    view.worker,
    { runningInstancesCount: instances.length },
    ctx(at(30)),
  ).worker;
  return { view: { ...view, worker }, instances };
}

/** A worker that ran one lab, `instanceId`, from at(21) until it terminated at at(100): idle since. */
function ranOneLab(workerId: string, instanceId: string) {
  const placed = placeOn(
    idleWorker(workerId),
    aPendingInstance({ id: instanceId }),
    at(21),
  );
  const terminated = terminateScheduledInstance(
    placed.instance,
    { capacity: placed.view.capacity, ports: placed.view.ports },
    ctx(at(100), 'user-1'),
  );
  const view: WorkerView = {
    worker: placed.view.worker,
    capacity: terminated.capacity as WorkerCapacityRecord,
    ports: terminated.ports as WorkerPorts,
  };
  return { view, instance: terminated.instance };
}

describe('decideScaleDown (docs/controller.md#autoscaling)', () => {
  describe('running workers', () => {
    it('drains a worker with no instances once it has been idle for the grace period', () => {
      expect(decideScaleDown([idleWorker()], [], {}, at(50))).toEqual({
        actions: [
          {
            action: 'drain',
            code: 'scale_down_idle',
            workerId: 'w-1',
            templateName: 'personal-standard',
            reason: 'No running or scheduled instances (idle for 30 min)',
          },
        ],
        kept: [],
      });
    });

    it('keeps it within the grace period (10 min by default, configurable)', () => {
      expect(decideScaleDown([idleWorker()], [], {}, at(29))).toEqual({
        actions: [],
        kept: [
          { workerId: 'w-1', reason: 'idle for 9 min, grace period 10 min' },
        ],
      });
      expect(
        decideScaleDown([idleWorker()], [], { gracePeriodMinutes: 30 }, at(49))
          .kept,
      ).toEqual([
        { workerId: 'w-1', reason: 'idle for 29 min, grace period 30 min' },
      ]);
      expect(
        decideScaleDown([idleWorker()], [], { gracePeriodMinutes: 5 }, at(25))
          .actions,
      ).toHaveLength(1);
      // Running from at(20): with no grace, idle for 0 min is enough.
      expect(
        decideScaleDown([idleWorker()], [], { gracePeriodMinutes: 0 }, at(20))
          .actions,
      ).toEqual([
        expect.objectContaining({
          action: 'drain',
          workerId: 'w-1',
          reason: 'No running or scheduled instances (idle for 0 min)',
        }),
      ]);
    });

    it('never drains a worker with a non-terminal instance assigned (scheduled counts)', () => {
      const { view, instance } = placeOn(
        idleWorker(),
        aPendingInstance({ id: 'i-1', startsIn: 600 }),
      );
      expect(decideScaleDown([view], [instance], {}, at(300))).toEqual({
        actions: [],
        kept: [{ workerId: 'w-1', reason: '1 instance assigned' }],
      });
    });

    it('counts the grace period from when its last instance terminated', () => {
      const { view, instance: ended } = ranOneLab('w-1', 'i-1');
      const grace = { gracePeriodMinutes: 30 };
      expect(decideScaleDown([view], [ended], grace, at(129)).kept).toEqual([
        { workerId: 'w-1', reason: 'idle for 29 min, grace period 30 min' },
      ]);
      expect(
        decideScaleDown([view], [ended], grace, at(130)).actions.map(
          (a) => a.action,
        ),
      ).toEqual(['drain']);
    });

    it('drains an idle worker within the grace period when a busy worker has room for another lab like its last (the headroom is there)', () => {
      // w-1 ran i-1 until 100; w-2 runs i-2 (a tenth of it) and stays up.
      const { view: idle, instance: ended } = ranOneLab('w-1', 'i-1');
      const busy = placeOn(
        idleWorker('w-2'),
        aPendingInstance({ id: 'i-2' }),
        at(21),
      );
      const instances = [ended, busy.instance];
      expect(
        decideScaleDown([idle, busy.view], instances, {}, at(101)).actions,
      ).toEqual([
        {
          action: 'drain',
          code: 'scale_down_idle',
          workerId: 'w-1',
          templateName: 'personal-standard',
          reason:
            'No running or scheduled instances (idle for 1 min, within the grace period: busy worker w-2 has room for another lab like its last)',
        },
      ]);
      // A busy worker without room for such a lab: the idle one is the headroom, the grace holds.
      let full = idleWorker('w-2');
      const fullInstances = [];
      for (let k = 0; k < 10; k++) {
        const next = placeOn(full, aPendingInstance({ id: `i-f${k}` }), at(21));
        full = next.view;
        fullInstances.push(next.instance);
      }
      expect(
        decideScaleDown([idle, full], [ended, ...fullInstances], {}, at(101)),
      ).toEqual({
        actions: [],
        kept: [
          { workerId: 'w-1', reason: 'idle for 1 min, grace period 10 min' },
          { workerId: 'w-2', reason: '10 instances assigned' },
        ],
      });
      // An idle worker with room does not count: it is drained itself.
      const besideIdle = decideScaleDown(
        [idle, idleWorker('w-2')],
        [ended],
        {},
        at(101),
      );
      expect(besideIdle.kept).toEqual([
        { workerId: 'w-1', reason: 'idle for 1 min, grace period 10 min' },
      ]);
      expect(besideIdle.actions.map((a) => a.workerId)).toEqual(['w-2']);
    });

    it('keeps a worker a pending instance is about to be placed on', () => {
      // Its slot at 130: its window on a running worker opened at 130 - 15 (allowance) = 115 <= now.
      const fits = aPendingInstance({ id: 'i-p', startsIn: 130 });
      const doesNot = aPendingInstance({
        id: 'i-e',
        licenseAffinity: ['ENTERPRISE'],
      });
      expect(
        decideScaleDown([idleWorker()], [doesNot, fits], {}, at(120)).kept,
      ).toEqual([
        { workerId: 'w-1', reason: 'pending instance i-p fits here' },
      ]);
      expect(
        decideScaleDown([idleWorker()], [doesNot], {}, at(120)).actions,
      ).toHaveLength(1);
    });

    it('keeps an idle worker a booking due for a worker is placed on, and stops one for a booking not due yet', () => {
      // On a running worker it is placed at 155 - 15 (allowance) = 140: within the 20 min a worker
      // takes to start; the booking is due for one (155 - 20 - 15 = 120), so drained, the scale-up
      // would start another for it at once.
      const soon = aPendingInstance({ id: 'i-soon', startsIn: 155 });
      expect(decideScaleDown([idleWorker()], [soon], {}, at(120))).toEqual({
        actions: [],
        kept: [
          {
            workerId: 'w-1',
            reason:
              'pending instance i-soon is placed here at 2026-01-16T12:20:00.000Z, within the 20 min a worker takes to start',
          },
        ],
      });
      // Placed at 156 - 15 = 141, due for a worker at 121: not yet, so it is stopped (the old rule
      // kept it from 156 - 55 = 101); from 121 the scale-up starts a worker for it, ready by 141.
      const later = aPendingInstance({ id: 'i-later', startsIn: 156 });
      expect(
        decideScaleDown([idleWorker()], [later], {}, at(120)).actions,
      ).toEqual([
        expect.objectContaining({ action: 'drain', workerId: 'w-1' }),
      ]);
      // A longer allowance places it earlier: kept again.
      expect(
        decideScaleDown(
          [idleWorker()],
          [later],
          { instantiationAllowanceMinutes: 16 },
          at(120),
        ).kept,
      ).toEqual([expect.objectContaining({ workerId: 'w-1' })]);
      // The instance's own declared allowance counts, not the deployment's: placed at 145 - 4 = 141,
      // after a start-up from 120, so the idle worker is drained.
      const quick = aPendingInstance({
        id: 'i-quick',
        startsIn: 145,
        instantiationAllowanceMinutes: 4,
      });
      expect(
        decideScaleDown([idleWorker()], [quick], {}, at(120)).actions,
      ).toEqual([
        expect.objectContaining({ action: 'drain', workerId: 'w-1' }),
      ]);
      expect(
        decideScaleDown(
          [idleWorker()],
          [aPendingInstance({ id: 'i-plain', startsIn: 145 })],
          {},
          at(120),
        ).actions,
      ).toEqual([]);
    });

    it('keeps an idle worker a due booking is placed on even when restarts of its template are quick', () => {
      // Restarts took 6 min (9 min estimated), but the booking at 145 is due for a worker since
      // 145 - 35 = 110: drained, the scale-up would ask at once for another worker for it.
      const history = restartedWorker(
        'w-s',
        [6],
        'personal-standard',
        at(-300),
      );
      const due = aPendingInstance({ id: 'i-due', startsIn: 145 });
      expect(
        decideScaleDown([idleWorker(), history], [due], {}, at(120)).kept,
      ).toEqual([
        {
          workerId: 'w-1',
          reason:
            'pending instance i-due is placed here at 2026-01-16T12:10:00.000Z, within the 20 min a worker takes to start',
        },
      ]);
    });

    it('keeps only as many idle workers as the bookings due soon fill, preferring room on busy workers', () => {
      // Ten labs fill a personal worker (storage and nodes). Two due soon: one idle worker of two.
      const due = [0, 1].map((k) =>
        aPendingInstance({ id: `i-due-${k}`, startsIn: 150 }),
      );
      const plan = decideScaleDown(
        [idleWorker('w-1'), idleWorker('w-2')],
        due,
        {},
        at(120),
      );
      expect(plan.actions.map((a) => a.workerId)).toEqual(['w-2']);
      expect(plan.kept.map((k) => k.workerId)).toEqual(['w-1']);
      // A busy worker with room takes them: neither idle worker is needed.
      const busy = placeOn(
        idleWorker('w-0'),
        aPendingInstance({ id: 'i-busy', startsIn: 600 }),
        at(21),
      );
      const withBusy = decideScaleDown(
        [busy.view, idleWorker('w-1'), idleWorker('w-2')],
        [busy.instance, ...due],
        {},
        at(120),
      );
      expect(withBusy.actions.map((a) => a.workerId)).toEqual(['w-1', 'w-2']);
    });

    it('keeps minWarmWorkers running per template, draining the longest idle first', () => {
      const early = idleWorker('w-early', at(-100));
      const late = idleWorker('w-late');
      const plan = decideScaleDown(
        [late, early],
        [],
        { minWarmWorkers: 1 },
        at(120),
      );
      expect(plan.actions.map((a) => a.workerId)).toEqual(['w-early']);
      expect(plan.kept).toEqual([
        {
          workerId: 'w-late',
          reason: 'kept warm (minWarmWorkers 1 for personal-standard)',
        },
      ]);
    });

    it('counts a busy worker as warm', () => {
      const busy = placeOn(
        idleWorker('w-busy'),
        aPendingInstance({ id: 'i-1' }),
      );
      const plan = decideScaleDown(
        [busy.view, idleWorker('w-idle')],
        [busy.instance],
        { minWarmWorkers: 1 },
        at(120),
      );
      expect(plan.actions.map((a) => a.workerId)).toEqual(['w-idle']);
    });

    it('takes minWarmWorkers per template', () => {
      const personal = idleWorker('w-p');
      const enterprise = aWorker('running', {
        id: 'w-e',
        templateName: 'enterprise-large',
        licenseType: 'ENTERPRISE',
      });
      const plan = decideScaleDown(
        [personal, enterprise],
        [],
        {
          minWarmWorkers: 0,
          minWarmWorkersByTemplate: { 'enterprise-large': 1 },
        },
        at(120),
      );
      expect(plan.actions.map((a) => a.workerId)).toEqual(['w-p']);
      expect(plan.kept.map((k) => k.workerId)).toEqual(['w-e']);
    });

    it('leaves a cordoned worker to the admin', () => {
      expect(
        decideScaleDown(
          [aWorker('running', { cordoned: true })],
          [],
          {},
          at(120),
        ),
      ).toEqual({
        actions: [],
        kept: [{ workerId: 'w-1', reason: 'cordoned by an admin' }],
      });
    });

    it('ignores workers that are neither running nor draining', () => {
      const others = (
        ['pending', 'provisioning', 'stopping', 'stopped'] as const
      ).map((s) => aWorker(s, { id: `w-${s}` }));
      expect(decideScaleDown(others, [], {}, at(600))).toEqual({
        actions: [],
        kept: [],
      });
    });
  });

  describe('draining workers', () => {
    it('stops a draining worker with no instances left', () => {
      expect(
        decideScaleDown([aWorker('draining')], [], {}, at(31)).actions,
      ).toEqual([
        {
          action: 'stop',
          code: 'drain_complete',
          workerId: 'w-1',
          templateName: 'personal-standard',
          reason: 'Draining complete, no remaining instances',
        },
      ]);
    });

    it('waits for its instances until the drain timeout', () => {
      const { view, instances } = drainingWith('w-d', ['i-1']);
      expect(decideScaleDown([view], instances, {}, at(30 + 240))).toEqual({
        actions: [],
        kept: [
          {
            workerId: 'w-d',
            reason: `draining, 1 instance remaining (timeout at ${at(270)})`,
          },
        ],
      });
    });

    it('force-stops it past drainStartedAt + drainTimeoutHours, naming the instances to terminate', () => {
      const { view, instances } = drainingWith('w-d', ['i-2', 'i-1']);
      expect(decideScaleDown([view], instances, {}, at(271)).actions).toEqual([
        {
          action: 'force_stop',
          code: 'drain_timeout',
          workerId: 'w-d',
          templateName: 'personal-standard',
          reason: `drain timeout: 4 h since ${at(30)}, 2 instances remaining`,
          instanceIds: ['i-1', 'i-2'],
        },
      ]);
    });
  });
});
