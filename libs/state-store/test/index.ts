// The state store's test fixtures (records built through the domain's transitions, an outbox
// envelope), for its own tests and the benchmarks. Other projects import them from here only.
export * from './fixtures';
