// Public API of @lcm/testing: real test servers and jest helpers for integration suites.
export * from './servers/server-handle';
export * from './servers/etcd-server';
export * from './servers/etcd-cluster';
export * from './servers/mongo-server';
export * from './servers/moto-server';
export * from './servers/cml-emulator-server';
export * from './servers/free-port';
export * from './servers/child-processes';
export * from './servers/workspace-root';
export * from './jest/integration-servers';
export * from './nest/ops-endpoints';
export * from './jest/eventually';
export * from './faults/cuttable';
export * from './http/sse-client';
export * from './embedded/embedded-stack';
