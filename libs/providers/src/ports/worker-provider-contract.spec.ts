import { ManualClock } from '@lcm/domain';
import { createSimulatedFleet } from '../simulated/simulated-fleet';
import { provisionRequest, TEST_TIMING } from '../../test/simulated-fixtures';
import { describeWorkerProviderContract } from '../../test/worker-provider-contract';

// The same contract runs on Ec2WorkerProvider against moto (test/ec2-worker-provider.integration-spec.ts).
describeWorkerProviderContract('simulated fleet', async () => {
  const clock = new ManualClock('2026-01-16T09:00:00.000Z');
  const fleet = createSimulatedFleet({ ...TEST_TIMING, clock });
  return {
    provider: fleet.provider,
    providerName: 'simulated',
    request: (workerId, overrides) => provisionRequest(workerId, overrides),
    otherInstanceType: 'm5.large',
    elapse: (ms) => clock.advance(ms),
    close: async () => undefined,
  };
});
