import { Controller, Get } from '@nestjs/common';
import { Scheduler, SchedulerStatus } from '../scheduler/scheduler';

/** Who leads and what the leader holds: `GET /scheduler/status` (standbys answer too). */
@Controller('scheduler')
export class SchedulerStatusController {
  constructor(private readonly scheduler: Scheduler) {}

  /** From memory (the election's own view of the leader key): answers, without a store call, during an outage. */
  @Get('status')
  status(): SchedulerStatus & { currentLeader: string | null } {
    return {
      ...this.scheduler.status(),
      currentLeader: this.scheduler.knownLeader() ?? null,
    };
  }
}
