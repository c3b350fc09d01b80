import { aPendingInstance, aWorker } from '../../../test/scheduling-fixtures';
import { workerStartingFilter } from './worker-starting';

describe('worker-starting filter (look-ahead)', () => {
  const request = aPendingInstance();

  it.each(['pending', 'provisioning'] as const)(
    'keeps a %s worker',
    (state) => {
      expect(workerStartingFilter.filter(aWorker(state), request).ok).toBe(
        true,
      );
    },
  );

  it.each(['running', 'draining', 'stopped'] as const)(
    'removes a %s worker',
    (state) => {
      expect(workerStartingFilter.filter(aWorker(state), request)).toEqual({
        ok: false,
        reason: `worker ${state}`,
      });
    },
  );
});
