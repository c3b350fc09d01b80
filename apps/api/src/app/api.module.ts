import { DynamicModule, Module } from '@nestjs/common';
import { OpsModule, PlatformModule } from '@lcm/runtime';
import { ApiConfig } from '../config';

@Module({})
export class ApiModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [OpsModule.forRoot({ service: 'api' }), PlatformModule.forRoot(config.platform)],
    };
  }
}
