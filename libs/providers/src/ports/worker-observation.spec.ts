import type { LabEngineHealth } from './lab-runtime';
import { canConnect, workerStateFromCloud } from './worker-observation';
import {
  buildManagedTags,
  isManagedByLcm,
  type CloudInstanceState,
} from './worker-provider';

describe('workerStateFromCloud (docs/data-plane.md#cloud-states mapping)', () => {
  it.each<[CloudInstanceState | undefined, string]>([
    ['running', 'running'],
    ['stopped', 'stopped'],
    ['stopping', 'stopping'],
    ['shutting-down', 'stopping'],
    ['pending', 'pending'],
    ['terminated', 'terminated'],
    [undefined, 'terminated'],
  ])('%s -> %s', (state, expected) => {
    expect(
      workerStateFromCloud(state === undefined ? undefined : { state }),
    ).toBe(expected);
  });
});

describe('canConnect', () => {
  const available: LabEngineHealth = { status: 'AVAILABLE' };
  it('needs a running VM with a hostname and an AVAILABLE engine', () => {
    expect(canConnect({ state: 'running', hostname: 'w-1' }, available)).toBe(
      true,
    );
    expect(
      canConnect({ state: 'running', hostname: 'w-1' }, { status: 'STARTING' }),
    ).toBe(false);
    expect(canConnect({ state: 'running' }, available)).toBe(false);
    expect(canConnect({ state: 'pending', hostname: 'w-1' }, available)).toBe(
      false,
    );
    expect(canConnect(undefined, available)).toBe(false);
    expect(canConnect({ state: 'running', hostname: 'w-1' }, undefined)).toBe(
      false,
    );
  });
});

describe('buildManagedTags', () => {
  it('adds Name, ManagedBy, worker id and template; the request cannot override the LCM ones', () => {
    const tags = buildManagedTags({
      idempotencyKey: 'w-42',
      templateName: 'personal-standard',
      tags: { Team: 'labs', ManagedBy: 'someone-else', 'lcm:worker-id': 'x' },
    });
    expect(tags).toEqual({
      Name: 'cml-worker-w-42',
      Team: 'labs',
      ManagedBy: 'lcm',
      'lcm:worker-id': 'w-42',
      'lcm:template': 'personal-standard',
    });
    expect(isManagedByLcm(tags)).toBe(true);
    expect(
      buildManagedTags({
        idempotencyKey: 'w',
        templateName: 't',
        tags: { Name: 'custom' },
      }).Name,
    ).toBe('custom');
    expect(isManagedByLcm({ ManagedBy: 'other' })).toBe(false);
  });
});
