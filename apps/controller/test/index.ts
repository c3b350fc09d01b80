// The controller's test kit, for its own tests and the benchmarks: a controller on a real state store
// and the simulated fleet, and the sample template and definition. Imported from here only.
export * from './controller-harness';
