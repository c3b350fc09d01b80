// The scheduler's public entry point: what runs its scheduling loop in-process outside its own main
// (the benchmarks). Other projects import the scheduler only from here, never a file inside it.
export { Scheduler } from './scheduler/scheduler';
export { DEFAULT_SCHEDULER_SETTINGS } from './scheduler/scheduler-settings';
export { SchedulerModule } from './app/scheduler.module';
export { loadSchedulerConfig } from './config';
