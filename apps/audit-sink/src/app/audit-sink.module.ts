import { DynamicModule, Module } from '@nestjs/common';
import { OpsModule, PlatformModule } from '@lcm/runtime';
import { AuditSinkConfig } from '../config';

@Module({})
export class AuditSinkModule {
  static forRoot(config: AuditSinkConfig): DynamicModule {
    return {
      module: AuditSinkModule,
      imports: [OpsModule.forRoot({ service: 'audit-sink' }), PlatformModule.forRoot(config.platform)],
    };
  }
}
