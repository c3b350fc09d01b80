import { InvalidTransition } from '../errors';
import { WORKER_STATES, type WorkerState } from './worker-state';
import {
  assertWorkerEdge,
  canTransitionWorker,
  WORKER_INITIAL_STATE,
  WORKER_TRANSITIONS,
} from './worker-transitions';

// docs/domain.md#worker-state-machine plus docs/domain.md#worker-state-machine (`failed`), written out independently of the table.
const SPEC_EDGES: [WorkerState, WorkerState][] = [
  ['pending', 'provisioning'],
  ['provisioning', 'running'],
  ['pending', 'failed'],
  ['provisioning', 'failed'],
  ['running', 'draining'],
  ['draining', 'running'],
  ['draining', 'stopping'],
  ['running', 'stopping'],
  ['stopping', 'stopped'],
  ['stopped', 'pending'],
  ['stopped', 'terminated'],
  ['failed', 'terminated'],
  // any live state -> terminated when the cloud says so
  ['pending', 'terminated'],
  ['provisioning', 'terminated'],
  ['running', 'terminated'],
  ['draining', 'terminated'],
  ['stopping', 'terminated'],
];

describe('the worker transition table', () => {
  it('has a row for every worker state and no other', () => {
    expect(Object.keys(WORKER_TRANSITIONS).sort()).toEqual(
      [...WORKER_STATES].sort(),
    );
  });

  it('holds exactly the edges of docs/domain.md#worker-state-machine', () => {
    const edges = WORKER_STATES.flatMap((from) =>
      WORKER_TRANSITIONS[from].map((to) => `${from}->${to}`),
    );
    expect(edges.sort()).toEqual(
      SPEC_EDGES.map(([a, b]) => `${a}->${b}`).sort(),
    );
  });

  it('starts new workers in pending and makes terminated terminal', () => {
    expect(WORKER_INITIAL_STATE).toBe('pending');
    expect(WORKER_TRANSITIONS.terminated).toEqual([]);
  });

  it('lets every live state be terminated by the cloud', () => {
    for (const state of WORKER_STATES.filter((s) => s !== 'terminated')) {
      expect(canTransitionWorker(state, 'terminated')).toBe(true);
    }
  });

  it('has no shortcut from stopped straight to running (a restart passes through pending and provisioning)', () => {
    expect(canTransitionWorker('stopped', 'running')).toBe(false);
  });

  it('refuses an edge from a source the operation is not about', () => {
    expect(() =>
      assertWorkerEdge({ id: 'w', state: 'running' }, 'draining', 'stopping'),
    ).toThrow(InvalidTransition);
    expect(() =>
      assertWorkerEdge(
        { id: 'w', state: 'provisioning' },
        ['pending', 'provisioning'],
        'failed',
      ),
    ).not.toThrow();
  });
});
