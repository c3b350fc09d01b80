import fc from 'fast-check';
import { aWorkerIn, at, ctx } from '../../test/domain-fixtures';
import { InvalidTransition } from '../errors';
import { cancelDrain, startDraining, stopDrainedWorker } from './drain-worker';
import {
  failWorker,
  markWorkerRunning,
  restartWorker,
  startProvisioning,
} from './provision-worker';
import { markWorkerStopped, stopWorker } from './stop-worker';
import {
  markWorkerTerminatedByCloud,
  terminateFailedWorker,
  terminateStoppedWorker,
} from './terminate-worker';
import type { Worker, WorkerAction } from './worker';
import type { WorkerChange } from './worker-change';
import { requestWorkerAction, setWorkerCordoned } from './worker-requests';
import { WORKER_STATES, type WorkerState } from './worker-state';
import { WORKER_TRANSITIONS } from './worker-transitions';

type Operation = {
  name: string;
  changesState: boolean;
  apply: (w: Worker, now: string) => WorkerChange;
};

const REQUESTS: WorkerAction[] = [
  'drain',
  'cancel_drain',
  'stop',
  'start',
  'terminate',
];

const OPS: Operation[] = [
  {
    name: 'startProvisioning',
    changesState: true,
    apply: (w, now) =>
      startProvisioning(w, { providerInstanceId: 'ec2' }, ctx(now)),
  },
  {
    name: 'markRunning',
    changesState: true,
    apply: (w, now) => markWorkerRunning(w, { hostname: 'h' }, ctx(now)),
  },
  {
    name: 'fail',
    changesState: true,
    apply: (w, now) => failWorker(w, ctx(now, 'c', 'timeout')),
  },
  {
    name: 'startDraining',
    changesState: true,
    apply: (w, now) => startDraining(w, { runningInstancesCount: 1 }, ctx(now)),
  },
  {
    name: 'cancelDrain',
    changesState: true,
    apply: (w, now) => cancelDrain(w, ctx(now, 'admin')),
  },
  {
    name: 'stopDrained',
    changesState: true,
    apply: (w, now) => stopDrainedWorker(w, ctx(now)),
  },
  {
    name: 'stop',
    changesState: true,
    apply: (w, now) => stopWorker(w, ctx(now)),
  },
  {
    name: 'markStopped',
    changesState: true,
    apply: (w, now) => markWorkerStopped(w, ctx(now)),
  },
  {
    name: 'restart',
    changesState: true,
    apply: (w, now) => restartWorker(w, ctx(now)),
  },
  {
    name: 'terminateStopped',
    changesState: true,
    apply: (w, now) => terminateStoppedWorker(w, ctx(now)),
  },
  {
    name: 'terminateFailed',
    changesState: true,
    apply: (w, now) => terminateFailedWorker(w, ctx(now)),
  },
  {
    name: 'cloudTerminated',
    changesState: true,
    apply: (w, now) => markWorkerTerminatedByCloud(w, ctx(now)),
  },
  {
    name: 'cordon',
    changesState: false,
    apply: (w, now) => setWorkerCordoned(w, !w.cordoned, ctx(now)),
  },
  ...REQUESTS.map(
    (action): Operation => ({
      name: `request:${action}`,
      changesState: false,
      apply: (w, now) => requestWorkerAction(w, action, ctx(now, 'admin')),
    }),
  ),
];

describe('the worker state machine under random operation sequences', () => {
  it('never leaves the machine: every state is known and every step is an edge of the table', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: OPS.length - 1 }), {
          maxLength: 60,
        }),
        (picks) => {
          let worker = aWorkerIn('pending').worker;
          const seenIds = new Set(['w-1:0:0', 'w-1:0:1']);
          picks.forEach((pick, step) => {
            const op = OPS[pick];
            let change: WorkerChange;
            try {
              change = op.apply(worker, at(step + 1));
            } catch (error) {
              if (error instanceof InvalidTransition) return;
              throw error;
            }
            const next = change.worker;
            expect(WORKER_STATES).toContain(next.state);
            if (op.changesState) {
              expect(WORKER_TRANSITIONS[worker.state]).toContain(next.state);
              expect(next.generation).toBe(worker.generation + 1);
              expect(
                next.stateHistory[next.stateHistory.length - 1],
              ).toMatchObject({ from: worker.state, to: next.state });
            } else {
              expect(next.state).toBe(worker.state);
            }
            // Only a draining worker has a drain start.
            expect(next.drainStartedAt !== null).toBe(
              next.state === 'draining',
            );
            for (const event of change.events) {
              expect(seenIds.has(event.id)).toBe(false);
              seenIds.add(event.id);
            }
            worker = next;
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lets random walks along allowed edges reach every state', () => {
    const reached = new Set<WorkerState>();
    const edges = OPS.filter(
      (op) => op.changesState && op.name !== 'cloudTerminated',
    );
    fc.assert(
      fc.property(
        fc.array(fc.noBias(fc.integer({ min: 0, max: 9999 })), {
          minLength: 5,
          maxLength: 30,
        }),
        (picks) => {
          let worker = aWorkerIn('pending').worker;
          reached.add(worker.state);
          picks.forEach((pick, step) => {
            const allowed: WorkerChange[] = [];
            for (const op of edges) {
              try {
                allowed.push(op.apply(worker, at(step + 1)));
              } catch {
                // refused
              }
            }
            if (allowed.length === 0) return;
            worker = allowed[pick % allowed.length].worker;
            reached.add(worker.state);
          });
        },
      ),
      { numRuns: 200, seed: 7 },
    );
    expect([...reached].sort()).toEqual([...WORKER_STATES].sort());
  });
});
