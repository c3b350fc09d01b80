import { DynamicModule, Module } from '@nestjs/common';
import {
  AuthModule,
  METRICS_REGISTRY,
  OpsModule,
  PlatformModule,
} from '@lcm/runtime';
import { Registry } from 'prom-client';
import { AuditSinkConfig } from '../config';
import { AuditIngestService } from '../ingest/audit-ingest.service';
import { AuditSinkMetrics } from '../ingest/audit-sink-metrics';
import { OutboxGcService } from '../outbox-gc/outbox-gc.service';
import { AuditEventsController } from '../query/audit-events.controller';
import { AuditEventsService } from '../query/audit-events.service';
import { AUDIT_SINK_CONFIG } from './audit-sink.tokens';

/**
 * The audit-sink: copies every outbox CloudEvent into MongoDB `audit_events` (AuditIngestService),
 * garbage-collects the outbox (OutboxGcService), and serves the trail at `GET /api/v1/audit/events`.
 */
@Module({})
export class AuditSinkModule {
  static forRoot(config: AuditSinkConfig): DynamicModule {
    return {
      module: AuditSinkModule,
      imports: [
        OpsModule.forRoot({ service: 'audit-sink' }),
        PlatformModule.forRoot(config.platform),
        AuthModule.forRoot(config.auth),
      ],
      controllers: [AuditEventsController],
      providers: [
        { provide: AUDIT_SINK_CONFIG, useValue: config },
        {
          provide: AuditSinkMetrics,
          useFactory: (registry: Registry) => new AuditSinkMetrics(registry),
          inject: [METRICS_REGISTRY],
        },
        AuditIngestService,
        OutboxGcService,
        AuditEventsService,
      ],
    };
  }
}
