import {
  CONTRACT_TIMING,
  describeFleetContract,
} from '../../test/fleet-contract';
import { createSimulatedFleet } from '../simulated/simulated-fleet';
import { HttpLabRuntime } from './http-lab-runtime';
import { HttpWorkerProvider } from './http-worker-provider';
import { SimulatedFleetControl } from './simulated-fleet-control';
import { createSimulatedFleetServer } from './simulated-fleet-server';

describeFleetContract('in-process SimulatedFleet', async (clock) => {
  const fleet = createSimulatedFleet({ ...CONTRACT_TIMING, clock });
  return {
    provider: fleet.provider,
    runtime: fleet.runtime,
    hooks: fleet,
    clock,
    close: async () => undefined,
  };
});

describeFleetContract(
  'HttpWorkerProvider + HttpLabRuntime against createSimulatedFleetServer',
  async (clock) => {
    const fleet = createSimulatedFleet({ ...CONTRACT_TIMING, clock });
    const server = await createSimulatedFleetServer(fleet);
    const options = { baseUrl: server.url, timeoutMs: 5_000, retries: 0 };
    return {
      provider: new HttpWorkerProvider(options),
      runtime: new HttpLabRuntime(options),
      hooks: new SimulatedFleetControl(options),
      clock,
      close: () => server.close(),
    };
  },
);
