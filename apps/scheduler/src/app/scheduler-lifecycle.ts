import {
  Injectable,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { ReadinessChecks } from '@lcm/runtime';
import { Scheduler } from '../scheduler/scheduler';

/**
 * Starts campaigning once the app is up and resigns before the stores close (module destroy runs
 * before PlatformModule's shutdown hook), so a standby takes over without waiting for the lease.
 * Readiness: a standby is ready too; leadership is reported by /scheduler/status and `lcm_leader`.
 */
@Injectable()
export class SchedulerLifecycle
  implements OnApplicationBootstrap, OnModuleDestroy
{
  private started = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly readiness: ReadinessChecks,
  ) {}

  onApplicationBootstrap(): void {
    this.readiness.register({
      name: 'scheduler',
      check: () => this.started || 'the scheduler has not started',
    });
    this.scheduler.start();
    this.started = true;
  }

  async onModuleDestroy(): Promise<void> {
    this.started = false;
    await this.scheduler.stop();
  }
}
