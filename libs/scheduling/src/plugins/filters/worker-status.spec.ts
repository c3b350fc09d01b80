import { aPendingInstance, aWorker } from '../../../test/scheduling-fixtures';
import { workerStatusFilter } from './worker-status';

describe('worker-status filter', () => {
  const request = aPendingInstance();

  it('keeps a running, uncordoned worker', () => {
    expect(workerStatusFilter.filter(aWorker('running'), request)).toEqual({
      ok: true,
    });
  });

  it.each([
    'pending',
    'provisioning',
    'draining',
    'stopping',
    'stopped',
  ] as const)('removes a %s worker, naming its state', (state) => {
    expect(workerStatusFilter.filter(aWorker(state), request)).toEqual({
      ok: false,
      reason: `worker ${state}`,
    });
  });

  it('removes a cordoned running worker with its own reason', () => {
    expect(
      workerStatusFilter.filter(
        aWorker('running', { cordoned: true }),
        request,
      ),
    ).toEqual({
      ok: false,
      reason: 'worker cordoned',
    });
  });
});
