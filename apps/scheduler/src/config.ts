import { EnvReader, LogLevelName, PlatformConfig, readPlatformConfig } from '@lcm/runtime';

export interface SchedulerConfig {
  port: number;
  host: string;
  logLevel: LogLevelName;
  /** Stores: from the ETCD_* settings, or shared ones handed in (embedded default, tests). */
  platform: PlatformConfig;
}

/** Scheduler settings from the environment, validated at start-up (every problem reported at once). */
export function loadSchedulerConfig(env: NodeJS.ProcessEnv = process.env, overrides: { platform?: PlatformConfig } = {}): SchedulerConfig {
  const read = new EnvReader(env);
  return read.done({
    port: read.int('SCHEDULER_PORT', read.int('PORT', 3001, { min: 0, max: 65535 }), { min: 0, max: 65535 }),
    host: read.string('SCHEDULER_HOST', read.string('HOST', '0.0.0.0')),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    platform: overrides.platform ?? readPlatformConfig(read, { docs: false }),
  });
}
