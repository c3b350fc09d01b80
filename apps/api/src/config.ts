import { EnvReader, LogLevelName } from '@lcm/runtime';

export interface ApiConfig {
  port: number;
  host: string;
  logLevel: LogLevelName;
}

/** Api settings from the environment, validated at start-up. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const read = new EnvReader(env);
  return read.done({
    port: read.int('API_PORT', read.int('PORT', 3000, { min: 0, max: 65535 }), { min: 0, max: 65535 }),
    host: read.string('API_HOST', read.string('HOST', '0.0.0.0')),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  });
}
