import { Controller, Get } from '@nestjs/common';
import { Scheduler, SchedulerStatus } from '../scheduler/scheduler';

/** Who leads and what the leader holds: `GET /scheduler/status` (standbys answer too). */
@Controller('scheduler')
export class SchedulerStatusController {
  constructor(private readonly scheduler: Scheduler) {}

  @Get('status')
  async status(): Promise<SchedulerStatus & { currentLeader: string | null }> {
    const currentLeader = await this.scheduler.currentLeader().catch(() => undefined);
    return { ...this.scheduler.status(), currentLeader: currentLeader ?? null };
  }
}
