import { aWorkerIn, at, ctx } from '../../test/domain-fixtures';
import { startDraining } from './drain-worker';
import { restartWorker } from './provision-worker';
import {
  drainDeadline,
  isDrainOverdue,
  isProvisioningOverdue,
  provisioningDeadline,
} from './worker-timing';

describe('worker timeouts', () => {
  it('fails provisioning after twice the startup time, counted from entering pending', () => {
    const { worker } = aWorkerIn('provisioning'); // created at T0, startup 20 min
    expect(provisioningDeadline(worker)).toBe(at(40));
    expect(isProvisioningOverdue(worker, at(40))).toBe(false);
    expect(isProvisioningOverdue(worker, at(41))).toBe(true);
  });

  it('counts a restart from the restart, not the creation', () => {
    const restarted = restartWorker(
      aWorkerIn('stopped').worker,
      ctx(at(500)),
    ).worker;
    expect(provisioningDeadline(restarted)).toBe(at(540));
    expect(isProvisioningOverdue(restarted, at(540))).toBe(false);
    expect(isProvisioningOverdue(restarted, at(541))).toBe(true);
  });

  it('never calls a running worker overdue for provisioning', () => {
    expect(isProvisioningOverdue(aWorkerIn('running').worker, at(10_000))).toBe(
      false,
    );
  });

  it('force-stops a drain after drainTimeoutHours', () => {
    const draining = startDraining(
      aWorkerIn('running').worker,
      { runningInstancesCount: 1 },
      ctx(at(60)),
    ).worker;
    expect(drainDeadline(draining)).toBe(at(60 + 240));
    expect(isDrainOverdue(draining, at(300))).toBe(false);
    expect(isDrainOverdue(draining, at(301))).toBe(true);
    expect(drainDeadline(aWorkerIn('running').worker)).toBeNull();
  });
});
