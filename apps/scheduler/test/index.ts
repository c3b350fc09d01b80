// The scheduler's test fixtures (specs, instances, workers, templates), for its own tests and the
// benchmarks. Other projects import them from here only.
export * from './scheduler-fixtures';
