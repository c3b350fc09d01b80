// The api's test fixtures for other projects' tests and benches (tools/bench imports only this entry).
export { definitionBody } from './api-harness';
