import { ManualClock } from '@lcm/domain';
import { createSimulatedFleet } from '../simulated/simulated-fleet';
import { CONTRACT_TIMING } from '../../test/fleet-contract';
import { readyWorker } from '../../test/simulated-fixtures';
import { describeLabRuntimeContract } from '../../test/lab-runtime-contract';

// The same contract runs on CmlLabRuntime against the CML emulator (test/cml-lab-runtime.integration-spec.ts).
describeLabRuntimeContract('simulated engine', async () => {
  const clock = new ManualClock('2026-01-16T09:00:00.000Z');
  const fleet = createSimulatedFleet({ ...CONTRACT_TIMING, clock });
  const { host } = await readyWorker(fleet, clock);
  return {
    runtime: fleet.runtime,
    host,
    unreachable: { runtime: fleet.runtime, host: 'nowhere.example' },
    elapse: (ms) => clock.advance(ms),
    close: async () => undefined,
  };
});
