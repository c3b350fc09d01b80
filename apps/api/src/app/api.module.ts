import { DynamicModule, Module } from '@nestjs/common';
import { OpsModule } from '@lcm/runtime';
import { ApiConfig } from '../config';

/** REST control-plane API: admission, auth, CRUD, CloudEvents ingress and the live event stream. */
@Module({})
export class ApiModule {
  static forRoot(_config: ApiConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [OpsModule.forRoot({ service: 'api' })],
    };
  }
}
