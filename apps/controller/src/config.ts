import { EnvReader, LogLevelName, PlatformConfig, readPlatformConfig } from '@lcm/runtime';

export interface ControllerConfig {
  port: number;
  host: string;
  logLevel: LogLevelName;
  /** Stores: from the ETCD_* / MONGODB_URI settings, or shared ones handed in (embedded default, tests). */
  platform: PlatformConfig;
}

/** Controller settings from the environment, validated at start-up (every problem reported at once). */
export function loadControllerConfig(env: NodeJS.ProcessEnv = process.env, overrides: { platform?: PlatformConfig } = {}): ControllerConfig {
  const read = new EnvReader(env);
  return read.done({
    port: read.int('CONTROLLER_PORT', read.int('PORT', 3002, { min: 0, max: 65535 }), { min: 0, max: 65535 }),
    host: read.string('CONTROLLER_HOST', read.string('HOST', '0.0.0.0')),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    platform: overrides.platform ?? readPlatformConfig(read, { docs: true }),
  });
}
