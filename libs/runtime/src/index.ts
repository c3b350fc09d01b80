// Public API of @lcm/runtime: what every LCM app shares to run (config, logs, health, metrics).
export * from './config/env-reader';
export * from './ops/json-logger';
export * from './ops/readiness';
export * from './ops/tokens';
export * from './ops/ops.module';
export * from './app/start-service';
export * from './http/json-body-shape';
export * from './platform/platform-config';
export * from './platform/platform.module';
export * from './problems/problem-details';
export * from './problems/problem-details.filter';
export * from './problems/validation-pipe';
export * from './auth/principal';
export * from './auth/auth-config';
export * from './auth/token-verifier';
export * from './auth/auth.guard';
export * from './auth/auth.module';
