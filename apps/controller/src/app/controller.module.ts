import { DynamicModule, Module } from '@nestjs/common';
import { OpsModule, PlatformModule } from '@lcm/runtime';
import { ControllerConfig } from '../config';

@Module({})
export class ControllerModule {
  static forRoot(config: ControllerConfig): DynamicModule {
    return {
      module: ControllerModule,
      imports: [OpsModule.forRoot({ service: 'controller' }), PlatformModule.forRoot(config.platform)],
    };
  }
}
