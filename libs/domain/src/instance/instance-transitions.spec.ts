import { INSTANCE_STATES, type InstanceState } from './instance-state';
import {
  INSTANCE_FORCED_TRANSITIONS,
  INSTANCE_INITIAL_STATE,
  INSTANCE_TRANSITIONS,
  assertInstanceEdge,
  canTransitionInstance,
} from './instance-transitions';
import { InvalidTransition } from '../errors';

// docs/domain.md#instance-state-machine, written out independently of the table so a change to either is noticed.
const SPEC_EDGES: [InstanceState, InstanceState][] = [
  ['pending', 'scheduled'],
  ['pending', 'terminated'],
  ['scheduled', 'instantiating'],
  ['scheduled', 'terminated'],
  ['instantiating', 'running'],
  ['instantiating', 'terminated'],
  ['instantiating', 'instantiating'],
  ['running', 'collecting'],
  ['running', 'stopping'],
  ['collecting', 'grading'],
  ['collecting', 'stopping'],
  ['grading', 'stopping'],
  ['stopping', 'stopped'],
  ['stopped', 'running'],
  ['stopped', 'archived'],
  ['archived', 'terminated'],
];

function tableEdges(
  table: Readonly<Record<InstanceState, readonly InstanceState[]>>,
): [InstanceState, InstanceState][] {
  return INSTANCE_STATES.flatMap((from) =>
    table[from].map((to): [InstanceState, InstanceState] => [from, to]),
  );
}

describe('the instance transition table', () => {
  it('has a row for every instance state and no other', () => {
    expect(Object.keys(INSTANCE_TRANSITIONS).sort()).toEqual(
      [...INSTANCE_STATES].sort(),
    );
    expect(Object.keys(INSTANCE_FORCED_TRANSITIONS).sort()).toEqual(
      [...INSTANCE_STATES].sort(),
    );
  });

  it('holds exactly the edges of docs/domain.md#instance-state-machine', () => {
    const key = ([a, b]: [string, string]) => `${a}->${b}`;
    expect(tableEdges(INSTANCE_TRANSITIONS).map(key).sort()).toEqual(
      SPEC_EDGES.map(key).sort(),
    );
  });

  it('only targets known states', () => {
    for (const [, to] of [
      ...tableEdges(INSTANCE_TRANSITIONS),
      ...tableEdges(INSTANCE_FORCED_TRANSITIONS),
    ]) {
      expect(INSTANCE_STATES).toContain(to);
    }
  });

  it('starts new instances in pending', () => {
    expect(INSTANCE_INITIAL_STATE).toBe('pending');
  });

  it('makes terminated terminal, even for forced transitions', () => {
    expect(INSTANCE_TRANSITIONS.terminated).toEqual([]);
    expect(INSTANCE_FORCED_TRANSITIONS.terminated).toEqual([]);
  });

  it('lets every non-terminal state be forced to terminated, and nowhere else', () => {
    for (const state of INSTANCE_STATES.filter((s) => s !== 'terminated')) {
      expect(INSTANCE_FORCED_TRANSITIONS[state]).toEqual(['terminated']);
    }
  });

  it('has no direct running -> terminated edge (a delete walks stopping, stopped, archived)', () => {
    expect(canTransitionInstance('running', 'terminated')).toBe(false);
    expect(canTransitionInstance('grading', 'terminated')).toBe(false);
    expect(canTransitionInstance('stopped', 'terminated')).toBe(false);
  });

  it('reaches terminated from pending', () => {
    const reachable = new Set<InstanceState>(['pending']);
    let grew = true;
    while (grew) {
      grew = false;
      for (const from of [...reachable]) {
        for (const to of INSTANCE_TRANSITIONS[from]) {
          if (!reachable.has(to)) {
            reachable.add(to);
            grew = true;
          }
        }
      }
    }
    expect([...reachable].sort()).toEqual([...INSTANCE_STATES].sort());
  });
});

describe('assertInstanceEdge', () => {
  it('refuses an edge taken from the wrong source even when the target is reachable from there', () => {
    const error = (() => {
      try {
        assertInstanceEdge(
          { id: 'i-1', state: 'running' },
          'grading',
          'stopping',
        );
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(InvalidTransition);
    expect(error).toMatchObject({
      from: 'running',
      to: 'stopping',
      entity: 'instance',
      id: 'i-1',
    });
  });

  it('accepts an edge from its own source', () => {
    expect(() =>
      assertInstanceEdge(
        { id: 'i-1', state: 'grading' },
        'grading',
        'stopping',
      ),
    ).not.toThrow();
  });
});
