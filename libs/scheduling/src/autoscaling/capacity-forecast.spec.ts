import { setWorkerCordoned } from '@lcm/domain';
import {
  aPendingInstance,
  aTemplate,
  aWorker,
  at,
  ctx,
  T0,
  withReportedLicense,
} from '../../test/scheduling-fixtures';
import { forecastCapacity } from './capacity-forecast';

const TEMPLATE = aTemplate({ region: 'eu-west-1', startupTimeMinutes: 20 });

/** One 60-minute step starting at T0, made at T0. */
function forecast(workers: ReturnType<typeof aWorker>[], instances = 12) {
  const booked = Array.from({ length: instances }, (_, k) =>
    aPendingInstance({ id: `i-${k}`, startsIn: 30 }),
  );
  return forecastCapacity(
    booked,
    workers.map((w) => w.worker),
    [TEMPLATE],
    {
      region: 'eu-west-1',
      from: T0,
      to: at(60),
      stepMinutes: 60,
      maxWorkers: 10,
      now: T0,
    },
  ).steps[0];
}

describe('forecastCapacity and workers that take no new labs', () => {
  // 12 labs of 50 GB storage: a 500 GB worker holds 10, so the step needs 2 workers.
  it('counts two available running workers as hosting the demand', () => {
    const step = forecast([
      aWorker('running', { id: 'w-1' }),
      aWorker('running', { id: 'w-2' }),
    ]);
    expect(step.templates[0]).toMatchObject({
      running: 2,
      unavailable: 0,
      needed: 2,
      planned: 0,
    });
    expect(step.free.nodes).toBe(40 - 24);
  });

  it('plans a worker for the demand a cordoned or unlicensed one cannot take, and counts no room on them', () => {
    const cordoned = aWorker('running', { id: 'w-2' });
    const cordonedView = {
      ...cordoned,
      worker: setWorkerCordoned(cordoned.worker, true, ctx(at(1), 'admin'))
        .worker,
    };
    const expired = withReportedLicense(aWorker('running', { id: 'w-3' }), {
      status: 'EXPIRED',
    });
    const step = forecast([
      aWorker('running', { id: 'w-1' }),
      cordonedView,
      expired,
    ]);
    expect(step.templates[0]).toMatchObject({
      running: 3,
      unavailable: 2,
      needed: 2,
      planned: 1,
    });
    // Only w-1's 20 nodes are room; 12 labs x 2 nodes are booked.
    expect(step.free.nodes).toBe(20 - 24);
    // A new worker takes 20 min to start plus 15 to instantiate, more than the 30 min to the slot.
    expect(step.atRisk.map((r) => r.instanceId)).toHaveLength(12);
  });

  it("counts a worker's nodes as its engine's licence caps them", () => {
    const capped = withReportedLicense(
      aWorker('running', { id: 'w-1' }),
      { nodeLimit: 5 },
      20,
    );
    const step = forecast([capped, aWorker('running', { id: 'w-2' })], 0);
    expect(step.free.nodes).toBe(5 + 20);
  });
});
