// Public API of @lcm/providers: the data-plane ports (WorkerProvider, LabRuntime), their typed
// errors, a Clock, and the in-process `simulated` fleet that implements both ports.

// Ports
export * from './ports/provider-errors';
export * from './ports/worker-provider';
export * from './ports/lab-runtime';
export * from './ports/worker-observation';

// Time

// Simulated fleet
export {
  SIMULATED_PROFILES,
  NO_FAILURES,
  DEFAULT_INSTANCE_CAPACITY,
  type SimulatedLatency,
  type SimulatedFailureRates,
  type SimulatedProfile,
  type SimulatedFleetOptions,
} from './simulated/fleet-config';
export {
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  type SimulatedFleetSnapshot,
} from './simulated/fleet-snapshot';
export type {
  SimVmRecord,
  SimLabRecord,
  SimLabNode,
  SimLicense,
  VmPhase,
  StoredLabState,
} from './simulated/fleet-records';
export { SeededRandom, mulberry32, hash32 } from './simulated/seeded-random';
export { SimulatedWorkerProvider } from './simulated/simulated-worker-provider';
export {
  SimulatedLabRuntime,
  MAX_LAB_YAML_BYTES,
} from './simulated/simulated-lab-runtime';
export {
  SimulatedFleet,
  createSimulatedFleet,
  type FleetStats,
  type LaunchUnmanagedInput,
} from './simulated/simulated-fleet';

// Persistence of a simulated fleet across restarts
export {
  FleetStateFile,
  readFleetStateFile,
  type FleetStateFileOptions,
} from './simulated/fleet-state-file';
export { SqliteFleetState } from './simulated/sqlite-fleet-state';

// The data plane over HTTP: clients of the two ports, and a server exposing a simulated fleet
export {
  FLEET_ROUTES,
  toWireError,
  fromWireError,
  httpStatusFor,
  errorForStatus,
  type FleetRoute,
  type WireError,
} from './http/fleet-wire';
export {
  FleetHttpClient,
  type FleetHttpClientOptions,
} from './http/fleet-http-client';
export { HttpWorkerProvider } from './http/http-worker-provider';
export { HttpLabRuntime } from './http/http-lab-runtime';
export {
  SimulatedFleetControl,
  type SimulatedFleetInfo,
} from './http/simulated-fleet-control';
export {
  createSimulatedFleetServer,
  type SimulatedFleetServer,
  type SimulatedFleetServerOptions,
} from './http/simulated-fleet-server';

// Amazon EC2 workers
export {
  Ec2WorkerProvider,
  REGION_TAG,
  AMI_NAME_TAG,
  checksOf,
  type Ec2WorkerProviderOptions,
} from './aws/ec2-worker-provider';
export { toProviderError as ec2ProviderError } from './aws/ec2-errors';

// Cisco Modeling Labs (CML 2.x REST API) lab engines
export {
  CmlLabRuntime,
  MAX_CML_LAB_YAML_BYTES,
  type CmlCredentials,
  type CmlLabRuntimeOptions,
} from './cml/cml-lab-runtime';
export type { CmlTransportOptions } from './cml/cml-http';
