import {
  DynamicModule,
  MiddlewareConsumer,
  Module,
  NestModule,
} from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { systemClock } from '@lcm/domain';
import { AuthModule, OpsModule, PlatformModule } from '@lcm/runtime';
import { AuditController } from '../audit/audit.controller';
import { ApiConfig } from '../config';
import { DefinitionEventsService } from '../definitions/definition-events.service';
import { DefinitionsController } from '../definitions/definitions.controller';
import { DefinitionsService } from '../definitions/definitions.service';
import { EventIngressService } from '../events/event-ingress.service';
import { EventStreamService } from '../events/event-stream.service';
import { EventsController } from '../events/events.controller';
import { FeaturesController } from '../features/features.controller';
import { IdentityThrottlerGuard } from '../http/identity-throttler.guard';
import { JsonBodyGuard } from '../http/json-body.guard';
import { RateLimitStorage } from '../http/rate-limit-storage';
import { RequestContextMiddleware } from '../http/request-context';
import { InstancesController } from '../instances/instances.controller';
import { InstancesService } from '../instances/instances.service';
import { AdmissionCatalog } from '../cache/admission-catalog';
import { InstanceCache, WorkerCache } from '../cache/state-caches';
import { ConsumedEventRepository } from '../repositories/consumed-event.repository';
import { OutboxRepository } from '../repositories/outbox.repository';
import { TemplatesController } from '../templates/templates.controller';
import { CapacityController } from '../capacity/capacity.controller';
import { CapacityService } from '../capacity/capacity.service';
import { TemplatesService } from '../templates/templates.service';
import { WorkersController } from '../workers/workers.controller';
import { WorkersService } from '../workers/workers.service';
import { API_CONFIG } from './api-config.token';
import { CLOCK } from './clock.token';

/**
 * The control-plane API: REST under /api/v1 (controllers -> services -> repositories), bearer-JWT
 * auth with the role matrix, per-identity rate limits, request ids, access logs and request
 * metrics, plus the ops endpoints every app has. OpenAPI is mounted by `configureApi` (startApi).
 */
@Module({})
export class ApiModule implements NestModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        OpsModule.forRoot({ service: 'api' }),
        PlatformModule.forRoot(config.platform),
        AuthModule.forRoot(config.auth),
        ThrottlerModule.forRoot({
          throttlers: [
            { name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute },
          ],
          storage: new RateLimitStorage(),
        }),
      ],
      controllers: [
        DefinitionsController,
        InstancesController,
        WorkersController,
        TemplatesController,
        EventsController,
        FeaturesController,
        AuditController,
        CapacityController,
      ],
      providers: [
        { provide: API_CONFIG, useValue: config },
        { provide: CLOCK, useValue: systemClock },
        OutboxRepository,
        ConsumedEventRepository,
        InstanceCache,
        WorkerCache,
        AdmissionCatalog,
        IdentityThrottlerGuard,
        JsonBodyGuard,
        DefinitionEventsService,
        DefinitionsService,
        InstancesService,
        WorkersService,
        TemplatesService,
        CapacityService,
        EventIngressService,
        EventStreamService,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestContextMiddleware).forRoutes('*');
  }
}
