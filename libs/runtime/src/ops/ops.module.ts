import { DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { OpsController } from './ops.controller';
import { ReadinessChecks } from './readiness';
import { METRICS_REGISTRY, SERVICE_NAME } from './tokens';

/**
 * `/healthz`, `/readyz` and `/metrics` for one app. Each app gets its own metrics registry, so the
 * four apps can share one process (the embedded default) without their metrics colliding.
 */
@Global()
@Module({})
export class OpsModule {
  static forRoot(options: { service: string }): DynamicModule {
    return {
      module: OpsModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [OpsController],
      providers: [
        { provide: SERVICE_NAME, useValue: options.service },
        {
          provide: METRICS_REGISTRY,
          useFactory: () => {
            const registry = new Registry();
            registry.setDefaultLabels({ service: options.service });
            collectDefaultMetrics({ register: registry, prefix: 'lcm_' });
            return registry;
          },
        },
        ReadinessChecks,
      ],
      exports: [SERVICE_NAME, METRICS_REGISTRY, ReadinessChecks],
    };
  }
}
