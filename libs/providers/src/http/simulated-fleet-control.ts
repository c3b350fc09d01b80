import type { ProviderError } from '../ports/provider-errors';
import type { CloudInstanceStatus } from '../ports/worker-provider';
import type {
  SimulatedFailureRates,
  SimulatedLatency,
} from '../simulated/fleet-config';
import type { SimulatedFleetSnapshot } from '../simulated/fleet-snapshot';
import type {
  FleetStats,
  LaunchUnmanagedInput,
} from '../simulated/simulated-fleet';
import {
  FleetHttpClient,
  type FleetHttpClientOptions,
} from './fleet-http-client';
import { FLEET_ROUTES, toWireError } from './fleet-wire';

/** What a simulated-fleet server says about itself. */
export interface SimulatedFleetInfo {
  /** The fleet clock, ISO-8601. */
  now: string;
  revision: number;
  latency: SimulatedLatency;
  failureRates: SimulatedFailureRates;
}

/**
 * The test hooks of a simulated fleet served over HTTP (createSimulatedFleetServer / tools/sim-cloud),
 * with the same names as on SimulatedFleet, so a multi-process test drives faults exactly as an
 * in-process one does.
 */
export class SimulatedFleetControl {
  readonly client: FleetHttpClient;

  constructor(options: FleetHttpClientOptions | FleetHttpClient) {
    this.client =
      options instanceof FleetHttpClient
        ? options
        : new FleetHttpClient(options);
  }

  async vanish(cloudId: string): Promise<void> {
    await this.client.call(FLEET_ROUTES.vanish, { cloudId });
  }

  async failNextProvision(error?: ProviderError): Promise<void> {
    await this.client.call(FLEET_ROUTES.failNextProvision, errorArg(error));
  }

  async failNextImport(host?: string, error?: ProviderError): Promise<void> {
    await this.client.call(FLEET_ROUTES.failNextImport, {
      host,
      ...errorArg(error),
    });
  }

  async failNextLabStart(host?: string, error?: ProviderError): Promise<void> {
    await this.client.call(FLEET_ROUTES.failNextLabStart, {
      host,
      ...errorArg(error),
    });
  }

  async setEngineError(cloudId: string, on = true): Promise<void> {
    await this.client.call(FLEET_ROUTES.setEngineError, { cloudId, on });
  }

  async setImpaired(cloudId: string, on = true): Promise<void> {
    await this.client.call(FLEET_ROUTES.setImpaired, { cloudId, on });
  }

  async setLatency(patch: Partial<SimulatedLatency>): Promise<void> {
    await this.client.call(FLEET_ROUTES.setLatency, { patch });
  }

  async setFailureRates(patch: Partial<SimulatedFailureRates>): Promise<void> {
    await this.client.call(FLEET_ROUTES.setFailureRates, { patch });
  }

  launchUnmanaged(
    input: LaunchUnmanagedInput = {},
  ): Promise<CloudInstanceStatus> {
    return this.client.call(FLEET_ROUTES.launchUnmanaged, { input });
  }

  instanceForHost(host: string): Promise<CloudInstanceStatus | undefined> {
    return this.client.call(FLEET_ROUTES.instanceForHost, { host });
  }

  stats(): Promise<FleetStats> {
    return this.client.call(FLEET_ROUTES.stats);
  }

  snapshot(): Promise<SimulatedFleetSnapshot> {
    return this.client.call(FLEET_ROUTES.snapshot);
  }

  async restore(snapshot: SimulatedFleetSnapshot): Promise<void> {
    await this.client.call(FLEET_ROUTES.restore, { snapshot });
  }

  info(): Promise<SimulatedFleetInfo> {
    return this.client.call(FLEET_ROUTES.info);
  }
}

function errorArg(error: ProviderError | undefined): Record<string, unknown> {
  return error === undefined ? {} : { error: toWireError(error) };
}
