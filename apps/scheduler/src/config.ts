import { EnvReader, LogLevelName } from '@lcm/runtime';

export interface SchedulerConfig {
  port: number;
  host: string;
  logLevel: LogLevelName;
}

/** Scheduler settings from the environment, validated at start-up. */
export function loadSchedulerConfig(env: NodeJS.ProcessEnv = process.env): SchedulerConfig {
  const read = new EnvReader(env);
  return read.done({
    port: read.int('SCHEDULER_PORT', read.int('PORT', 3001, { min: 0, max: 65535 }), { min: 0, max: 65535 }),
    host: read.string('SCHEDULER_HOST', read.string('HOST', '0.0.0.0')),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  });
}
