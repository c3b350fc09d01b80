import { DynamicModule, Module } from '@nestjs/common';
import { OpsModule } from '@lcm/runtime';
import { SchedulerConfig } from '../config';

/** Leader-elected placement loop: PENDING instances to SCHEDULED (worker, ports, capacity). */
@Module({})
export class SchedulerModule {
  static forRoot(_config: SchedulerConfig): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [OpsModule.forRoot({ service: 'scheduler' })],
    };
  }
}
