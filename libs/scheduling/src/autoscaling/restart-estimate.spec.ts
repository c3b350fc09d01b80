import { failWorker, restartWorker, startProvisioning } from '@lcm/domain';
import {
  aWorker,
  at,
  ctx,
  PERSONAL_STANDARD,
  restartedWorker,
} from '../../test/scheduling-fixtures';
import { restartEstimateMinutes } from './restart-estimate';

// PERSONAL_STANDARD declares a 20 min start-up.
describe('restartEstimateMinutes', () => {
  it('is the declared start-up until a worker of the template has been restarted', () => {
    expect(
      restartEstimateMinutes(PERSONAL_STANDARD, [
        aWorker('stopped').worker,
        aWorker('running', { id: 'w-2' }).worker,
      ]),
    ).toBe(20);
  });

  it('is the slowest restart seen times 1.5, rounded up to a minute', () => {
    const workers = [
      restartedWorker('w-1', [6]).worker,
      restartedWorker('w-2', [4, 7]).worker,
    ];
    // 7 min x 1.5 = 10.5 -> 11
    expect(restartEstimateMinutes(PERSONAL_STANDARD, workers)).toBe(11);
  });

  it('never exceeds the declared start-up', () => {
    expect(
      restartEstimateMinutes(PERSONAL_STANDARD, [
        restartedWorker('w-1', [16]).worker,
      ]),
    ).toBe(20);
  });

  it("counts only the template's own workers", () => {
    expect(
      restartEstimateMinutes(PERSONAL_STANDARD, [
        restartedWorker('w-1', [6], 'enterprise-large').worker,
      ]),
    ).toBe(20);
  });

  it('is the declared start-up once a restart failed', () => {
    let worker = restartedWorker('w-1', [6]).worker;
    worker = restartWorker(worker, ctx(at(200))).worker;
    worker = startProvisioning(
      worker,
      { providerInstanceId: 'ec2-w-1', amiName: 'CML-2.9.1' },
      ctx(at(201)),
    ).worker;
    worker = failWorker(worker, {
      ...ctx(at(205)),
      reason: 'provisioning_failed',
    }).worker;
    expect(
      restartEstimateMinutes(PERSONAL_STANDARD, [
        worker,
        restartedWorker('w-2', [6]).worker,
      ]),
    ).toBe(20);
  });

  it('ignores a restart still under way', () => {
    let worker = restartedWorker('w-1', [6]).worker;
    worker = restartWorker(worker, ctx(at(200))).worker;
    expect(restartEstimateMinutes(PERSONAL_STANDARD, [worker])).toBe(9);
  });
});
