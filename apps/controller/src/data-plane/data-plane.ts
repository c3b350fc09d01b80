import { systemClock, type Clock, errorMessage } from '@lcm/domain';
import { readFileSync } from 'node:fs';
import {
  CmlLabRuntime,
  createSimulatedFleet,
  Ec2WorkerProvider,
  FleetStateFile,
  HttpLabRuntime,
  HttpWorkerProvider,
  readFleetStateFile,
  type LabRuntime,
  type SimulatedFleet,
  type WorkerProvider,
} from '@lcm/providers';
import type { CmlConfig, DataPlaneConfig } from '../config';

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
export function openDataPlane(
  config: DataPlaneConfig,
  clock: Clock = systemClock,
): DataPlane {
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
      const options = {
        baseUrl: config.url,
        timeoutMs: config.timeoutMs,
        retries: config.retries,
      };
      const provider = new HttpWorkerProvider(options);
      return {
        provider,
        runtime: new HttpLabRuntime(options),
        description: `http ${config.url}`,
        check: async () =>
          (await provider.ping()) ||
          `data plane at ${config.url} does not answer`,
        close: async () => undefined,
      };
    }
    case 'aws': {
      const provider = new Ec2WorkerProvider({
        region: config.region,
        maxAttempts: config.maxAttempts,
        address: config.address,
      });
      const runtime = new CmlLabRuntime({
        urlTemplate: config.cml.urlTemplate,
        tlsVerify: config.cml.tlsVerify,
        timeoutMs: config.cml.timeoutMs,
        ...(config.cml.caFile ? { caFile: config.cml.caFile } : {}),
        credentials: cmlCredentials(config.cml),
      });
      const endpoint =
        process.env['AWS_ENDPOINT_URL_EC2'] ?? process.env['AWS_ENDPOINT_URL'];
      return {
        provider,
        runtime,
        description: `aws ec2 ${config.region}${endpoint ? ` at ${endpoint}` : ''}, cml ${config.cml.urlTemplate}${config.cml.tlsVerify ? '' : ' (TLS NOT VERIFIED)'}`,
        // Readiness: the EC2 API answers with these credentials (a list of LCM's VMs is cheap).
        check: async () => {
          try {
            await provider.listManaged();
            return true;
          } catch (error) {
            return `EC2 does not answer: ${errorMessage(error)}`;
          }
        },
        close: async () => {
          provider.close();
          runtime.close();
        },
      };
    }
    case 'simulated': {
      const snapshot = config.stateFile
        ? readFleetStateFile(config.stateFile)
        : undefined;
      const fleet = createSimulatedFleet({
        profile: config.profile,
        seed: config.seed,
        clock,
        snapshot,
      });
      const file = config.stateFile
        ? new FleetStateFile(fleet, config.stateFile).start()
        : undefined;
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

/** The CML user and password, read at each login (a rotated file is picked up), never kept in the config. */
function cmlCredentials(
  cml: CmlConfig,
): () => { username: string; password: string } {
  return () => {
    const password =
      'file' in cml.password
        ? readFileSync(cml.password.file, 'utf8').trim()
        : cml.password.read();
    if (!password)
      throw new Error(
        `no CML password in ${'file' in cml.password ? cml.password.file : cml.password.env}`,
      );
    return { username: cml.username, password };
  };
}
