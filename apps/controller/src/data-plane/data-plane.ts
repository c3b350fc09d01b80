import {
  createSimulatedFleet,
  FleetStateFile,
  HttpLabRuntime,
  HttpWorkerProvider,
  readFleetStateFile,
  systemClock,
  type Clock,
  type LabRuntime,
  type SimulatedFleet,
  type WorkerProvider,
} from '@lcm/providers';
import type { DataPlaneConfig } from '../config';

/** The two data-plane ports the controller drives, whichever implementation is behind them. */
export interface DataPlane {
  provider: WorkerProvider;
  runtime: LabRuntime;
  /** For logs: what and where. */
  description: string;
  /** In-process simulated fleet, when that is the data plane (test hooks, inspection). */
  fleet?: SimulatedFleet;
  /** Readiness: true, or why the data plane cannot be used now. */
  check(): Promise<true | string>;
  close(): Promise<void>;
}

/**
 * Builds the data plane of the configuration: an in-process simulated fleet on the controller's
 * clock (kept in SIM_STATE_FILE when set), HTTP clients of a data-plane server, or ports handed in.
 */
export function openDataPlane(config: DataPlaneConfig, clock: Clock = systemClock): DataPlane {
  switch (config.kind) {
    case 'injected':
      return {
        provider: config.provider,
        runtime: config.runtime,
        description: config.description ?? `injected (${config.provider.name})`,
        check: async () => true,
        close: async () => undefined,
      };
    case 'http': {
      const options = { baseUrl: config.url, timeoutMs: config.timeoutMs, retries: config.retries };
      const provider = new HttpWorkerProvider(options);
      return {
        provider,
        runtime: new HttpLabRuntime(options),
        description: `http ${config.url}`,
        check: async () => (await provider.ping()) || `data plane at ${config.url} does not answer`,
        close: async () => undefined,
      };
    }
    case 'simulated': {
      const snapshot = config.stateFile ? readFleetStateFile(config.stateFile) : undefined;
      const fleet = createSimulatedFleet({ profile: config.profile, seed: config.seed, clock, snapshot });
      const file = config.stateFile ? new FleetStateFile(fleet, config.stateFile).start() : undefined;
      return {
        provider: fleet.provider,
        runtime: fleet.runtime,
        fleet,
        description: `simulated in-process (${config.profile}${config.stateFile ? `, kept in ${config.stateFile}` : ''}${snapshot ? `, restored ${snapshot.vms.length} VMs` : ''})`,
        check: async () => true,
        close: async () => file?.stop(),
      };
    }
  }
}
