import type {
  CloudInstance,
  CloudInstanceStatus,
  InstanceMetrics,
  ListManagedOptions,
  ProvisionRequest,
  WorkerProvider,
} from '../ports/worker-provider';
import {
  FleetHttpClient,
  type FleetHttpClientOptions,
} from './fleet-http-client';
import { FLEET_ROUTES } from './fleet-wire';

/**
 * WorkerProvider over HTTP: every call goes to a data-plane server (the simulated cloud of
 * `tools/sim-cloud`, or a gateway in front of a real cloud) that speaks the fleet wire format.
 * Several controller processes pointed at one server see the same VMs.
 */
export class HttpWorkerProvider implements WorkerProvider {
  readonly name: string;
  readonly client: FleetHttpClient;

  constructor(
    options: (FleetHttpClientOptions & { name?: string }) | FleetHttpClient,
    name = 'http',
  ) {
    this.client =
      options instanceof FleetHttpClient
        ? options
        : new FleetHttpClient(options);
    this.name =
      options instanceof FleetHttpClient ? name : (options.name ?? name);
  }

  provision(request: ProvisionRequest): Promise<CloudInstance> {
    return this.client.call(FLEET_ROUTES.provision, { request });
  }

  async start(cloudId: string): Promise<void> {
    await this.client.call(FLEET_ROUTES.start, { cloudId });
  }

  async stop(cloudId: string): Promise<void> {
    await this.client.call(FLEET_ROUTES.stop, { cloudId });
  }

  async terminate(cloudId: string): Promise<void> {
    await this.client.call(FLEET_ROUTES.terminate, { cloudId });
  }

  describe(cloudId: string): Promise<CloudInstanceStatus | undefined> {
    return this.client.call(FLEET_ROUTES.describe, { cloudId });
  }

  listManaged(
    options: ListManagedOptions = {},
  ): Promise<CloudInstanceStatus[]> {
    return this.client.call(FLEET_ROUTES.listManaged, { options });
  }

  metrics(cloudId: string): Promise<InstanceMetrics> {
    return this.client.call(FLEET_ROUTES.metrics, { cloudId });
  }

  /** The server answers (for readiness checks). */
  ping(): Promise<boolean> {
    return this.client.ping();
  }
}
