import { scheduleInstance, type WorkerCapacityRecord } from '@lcm/domain';
import {
  aPendingInstance,
  aTemplate,
  aWorker,
  at,
  ctx,
  ENTERPRISE_LARGE,
  PERSONAL_STANDARD,
  placeOn,
  T0,
  withAllocated,
  withPortsHeld,
} from '../../test/scheduling-fixtures';
import {
  placeInstance,
  type AssignDecision,
  type PlacementDecision,
} from './place-instance';
import type { WorkerView } from './worker-view';

function assigned(decision: PlacementDecision): AssignDecision {
  if (decision.action !== 'assign') {
    throw new Error(
      `expected assign, got ${decision.action}: ${decision.explanation.text}`,
    );
  }
  return decision;
}

describe('placeInstance', () => {
  describe('explanations (docs/scheduling.md#placement-pipeline)', () => {
    const personalOnly = aPendingInstance({
      licenseAffinity: ['PERSONAL'],
      memoryGb: 16,
    });
    const enterprise = ['w-e1', 'w-e2', 'w-e3'].map((id) =>
      aWorker('running', {
        id,
        licenseType: 'ENTERPRISE',
        templateName: 'enterprise-large',
      }),
    );
    const full = ['w-p1', 'w-p2'].map((id) =>
      withAllocated(aWorker('running', { id }), { memoryGb: 180 }),
    );

    it('says per filter how many workers it removed and why', () => {
      const decision = placeInstance(personalOnly, [...full, ...enterprise]);
      expect(decision.action).toBe('scale_up');
      expect(decision.explanation.text).toBe(
        'no worker fits (3 workers: license mismatch; 2 workers: insufficient memory); scale up needed',
      );
      expect(decision.explanation.removals).toEqual([
        {
          filter: 'license-affinity',
          reason: 'license mismatch',
          count: 3,
          workerIds: ['w-e1', 'w-e2', 'w-e3'],
        },
        {
          filter: 'available-capacity',
          reason: 'insufficient memory',
          count: 2,
          workerIds: ['w-p1', 'w-p2'],
        },
      ]);
      expect(decision.explanation.considered).toBe(5);
    });

    it('counts each removed worker once, under the first filter it fails', () => {
      // Wrong licence and out of memory: only the licence (an earlier filter) is reported.
      const both = withAllocated(
        aWorker('running', { id: 'w-x', licenseType: 'ENTERPRISE' }),
        { memoryGb: 190 },
      );
      const { removals } = placeInstance(personalOnly, [both]).explanation;
      expect(removals).toEqual([
        {
          filter: 'license-affinity',
          reason: 'license mismatch',
          count: 1,
          workerIds: ['w-x'],
        },
      ]);
    });

    it('keeps distinct reasons of one filter apart, largest count first', () => {
      const workers = [
        aWorker('draining', { id: 'w-d1' }),
        aWorker('provisioning', { id: 'w-p' }),
        aWorker('draining', { id: 'w-d2' }),
        aWorker('running', { id: 'w-c', cordoned: true }),
      ];
      const decision = placeInstance(
        aPendingInstance({ licenseAffinity: ['ENTERPRISE'] }),
        workers,
      );
      expect(
        decision.explanation.removals.map((r) => [r.reason, r.count]),
      ).toEqual([
        ['worker draining', 2],
        ['worker cordoned', 1],
        ['worker provisioning', 1],
      ]);
    });

    it('explains an assignment with the score and what was removed', () => {
      const decision = placeInstance(personalOnly, [
        aWorker('running', { id: 'w-1' }),
        enterprise[0],
      ]);
      expect(decision.explanation.text).toMatch(
        /^assigned to w-1, binpack score 0\.\d{3} \(1 of 2 workers fit; 1 worker: license mismatch\)$/,
      );
      expect(decision.explanation.ranking.map((r) => r.workerId)).toEqual([
        'w-1',
      ]);
    });

    it('says "no workers" when there are none', () => {
      expect(placeInstance(personalOnly, []).explanation.text).toBe(
        'no workers; scale up needed',
      );
    });
  });

  describe('assign', () => {
    it('is exactly what scheduleInstance does: same worker, ports and capacity record', () => {
      let view = aWorker('running', {
        id: 'w-1',
        portRange: { start: 3000, end: 3010 },
      });
      view = placeOn(view, aPendingInstance({ id: 'i-a', portCount: 3 })).view;
      view = placeOn(view, aPendingInstance({ id: 'i-b', portCount: 1 })).view;
      const instance = aPendingInstance({ id: 'i-c', portCount: 2 });

      const decision = assigned(placeInstance(instance, [view]));
      const change = scheduleInstance(
        instance,
        { worker: view.worker, capacity: view.capacity, ports: view.ports },
        ctx(at(5), 'lcm/scheduler'),
      );
      expect(change.instance.workerId).toBe(decision.workerId);
      expect(change.instance.allocatedPorts).toEqual(decision.ports);
      expect(change.capacity).toEqual(decision.capacity);
      expect(decision.ports).toEqual({ port_0: 3004, port_1: 3005 });
    });

    it('allocates the lowest free ports, filling gaps left by released instances', () => {
      const view = withPortsHeld(
        aWorker('running', { portRange: { start: 3000, end: 3010 } }),
        3001,
        3002,
      );
      const decision = assigned(
        placeInstance(aPendingInstance({ portCount: 3 }), [view]),
      );
      expect(decision.ports).toEqual({
        port_0: 3000,
        port_1: 3003,
        port_2: 3004,
      });
    });

    it('reserves the request on top of what is allocated', () => {
      const view = withAllocated(aWorker('running'), {
        cpuCores: 10,
        memoryGb: 20,
        storageGb: 30,
        maxNodes: 3,
      });
      const decision = assigned(
        placeInstance(
          aPendingInstance({
            cpuCores: 4,
            memoryGb: 8,
            storageGb: 50,
            nodeCount: 2,
          }),
          [view],
        ),
      );
      const expected: WorkerCapacityRecord = {
        declared: view.capacity.declared,
        allocated: { cpuCores: 14, memoryGb: 28, storageGb: 80, maxNodes: 5 },
      };
      expect(decision.capacity).toEqual(expected);
    });
  });

  describe('scoring strategy', () => {
    const empty = aWorker('running', { id: 'w-empty' });
    const busy = withAllocated(aWorker('running', { id: 'w-busy' }), {
      cpuCores: 20,
      memoryGb: 64,
    });

    it('binpack (the default) packs onto the fuller worker', () => {
      expect(
        assigned(placeInstance(aPendingInstance(), [empty, busy])).workerId,
      ).toBe('w-busy');
    });

    it('spread places on the emptier worker', () => {
      const decision = assigned(
        placeInstance(aPendingInstance(), [busy, empty], {
          strategy: 'spread',
        }),
      );
      expect(decision.workerId).toBe('w-empty');
      expect(decision.explanation.text).toMatch(/spread score/);
    });
  });

  describe('tie-break (equal scores)', () => {
    const request = aPendingInstance();
    const pick = (workers: WorkerView[]): string =>
      assigned(placeInstance(request, workers)).workerId;

    it('prefers the worker with the fewest free ports', () => {
      const roomy = aWorker('running', { id: 'w-a' });
      const crowded = withPortsHeld(
        aWorker('running', { id: 'w-b' }),
        2000,
        2099,
      );
      expect(pick([roomy, crowded])).toBe('w-b');
      expect(pick([crowded, roomy])).toBe('w-b');
    });

    it('then the oldest worker', () => {
      const young = aWorker('running', { id: 'w-a', createdAt: T0 });
      const old = aWorker('running', { id: 'w-b', createdAt: at(-600) });
      expect(pick([young, old])).toBe('w-b');
      expect(pick([old, young])).toBe('w-b');
    });

    it('then the smallest id', () => {
      const a = aWorker('running', { id: 'w-a' });
      const b = aWorker('running', { id: 'w-b' });
      expect(pick([b, a])).toBe('w-a');
      expect(pick([a, b])).toBe('w-a');
    });
  });

  describe('no running worker fits', () => {
    const request = aPendingInstance({ licenseAffinity: ['PERSONAL'] });

    it('waits when a starting worker would take the instance', () => {
      const workers = [
        aWorker('provisioning', { id: 'w-new' }),
        aWorker('pending', { id: 'w-newer' }),
      ];
      const decision = placeInstance(request, workers);
      expect(decision).toMatchObject({
        action: 'wait',
        startingWorkerIds: ['w-new', 'w-newer'],
      });
      expect(decision.explanation.text).toBe(
        'no worker fits (1 worker: worker pending; 1 worker: worker provisioning); waiting for starting workers w-new, w-newer',
      );
    });

    it('waits for a pending worker even when AMI requirements apply (its AMI is not known yet)', () => {
      const withAmi = aPendingInstance({
        amiRequirements: [{ minVersion: '2.9.0' }],
      });
      expect(
        placeInstance(withAmi, [aWorker('pending', { id: 'w-new' })]).action,
      ).toBe('wait');
    });

    it('does not wait for a starting worker that would not take it', () => {
      const decision = placeInstance(request, [
        aWorker('provisioning', { licenseType: 'ENTERPRISE' }),
      ]);
      expect(decision.action).toBe('scale_up');
    });

    it('names the template to scale up when templates are given', () => {
      const decision = placeInstance(aPendingInstance(), [], {
        scaleUp: {
          templates: [ENTERPRISE_LARGE, PERSONAL_STANDARD],
          region: 'eu-west-1',
        },
      });
      expect(decision.action).toBe('scale_up');
      if (decision.action !== 'scale_up') return;
      expect(decision.template?.template?.name).toBe('personal-standard');
      expect(decision.explanation.text).toBe(
        'no workers; scale up personal-standard: smallest eligible template (2 eligible)',
      );
    });

    it('says so when no template is eligible (the instance stays pending)', () => {
      const decision = placeInstance(request, [], {
        scaleUp: {
          templates: [aTemplate({ region: 'us-east-1' })],
          region: 'eu-west-1',
        },
      });
      if (decision.action !== 'scale_up') throw new Error(decision.action);
      expect(decision.template?.template).toBeNull();
      expect(decision.explanation.text).toBe(
        'no workers; no eligible template (personal-standard: region us-east-1, not eu-west-1)',
      );
    });
  });
});
