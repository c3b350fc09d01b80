import { DynamicModule, Module } from '@nestjs/common';
import { OpsModule } from '@lcm/runtime';
import { ControllerConfig } from '../config';

/** Leader-elected reconcilers: instance and worker lifecycle, autoscaling, draining. */
@Module({})
export class ControllerModule {
  static forRoot(_config: ControllerConfig): DynamicModule {
    return {
      module: ControllerModule,
      imports: [OpsModule.forRoot({ service: 'controller' })],
    };
  }
}
