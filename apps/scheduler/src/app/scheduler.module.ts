import { DynamicModule, Module } from '@nestjs/common';
import { OpsModule, PlatformModule } from '@lcm/runtime';
import { SchedulerConfig } from '../config';

@Module({})
export class SchedulerModule {
  static forRoot(config: SchedulerConfig): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [OpsModule.forRoot({ service: 'scheduler' }), PlatformModule.forRoot(config.platform)],
    };
  }
}
