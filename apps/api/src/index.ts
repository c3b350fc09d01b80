// The api's public entry point: what runs the api in-process outside its own main (the benchmarks).
// Other projects import the api only from here, never a file inside it.
export { ApiModule } from './app/api.module';
export { configureApi } from './app/start-api';
export { loadApiConfig } from './config';
