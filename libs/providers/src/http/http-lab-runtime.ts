import type {
  ImportLabRequest,
  ImportLabResult,
  LabEngineHealth,
  LabNode,
  LabRuntime,
  LabState,
  LabSummary,
} from '../ports/lab-runtime';
import {
  FleetHttpClient,
  type FleetHttpClientOptions,
} from './fleet-http-client';
import { FLEET_ROUTES } from './fleet-wire';

/**
 * LabRuntime over HTTP, against the same data-plane server as HttpWorkerProvider. `health` keeps
 * the port's promise never to throw for an unreachable host: when the server itself cannot be
 * reached the engine is reported UNAVAILABLE.
 */
export class HttpLabRuntime implements LabRuntime {
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

  async health(host: string): Promise<LabEngineHealth> {
    try {
      return await this.client.call<LabEngineHealth>(FLEET_ROUTES.health, {
        host,
      });
    } catch {
      return { status: 'UNAVAILABLE' };
    }
  }

  importLab(host: string, request: ImportLabRequest): Promise<ImportLabResult> {
    return this.client.call(FLEET_ROUTES.importLab, { host, request });
  }

  async startLab(host: string, labId: string): Promise<void> {
    await this.client.call(FLEET_ROUTES.startLab, { host, labId });
  }

  async stopLab(host: string, labId: string): Promise<void> {
    await this.client.call(FLEET_ROUTES.stopLab, { host, labId });
  }

  async wipeLab(host: string, labId: string): Promise<void> {
    await this.client.call(FLEET_ROUTES.wipeLab, { host, labId });
  }

  async deleteLab(host: string, labId: string): Promise<void> {
    await this.client.call(FLEET_ROUTES.deleteLab, { host, labId });
  }

  labState(host: string, labId: string): Promise<LabState | undefined> {
    return this.client.call(FLEET_ROUTES.labState, { host, labId });
  }

  listLabs(host: string): Promise<LabSummary[]> {
    return this.client.call(FLEET_ROUTES.listLabs, { host });
  }

  nodes(host: string, labId: string): Promise<LabNode[]> {
    return this.client.call(FLEET_ROUTES.nodes, { host, labId });
  }
}
