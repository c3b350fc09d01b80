import { systemClock } from '@lcm/domain';
import { DynamicModule, Module } from '@nestjs/common';
import { METRICS_REGISTRY, OpsModule, PlatformModule } from '@lcm/runtime';
import type { Registry } from 'prom-client';
import { ControllerConfig } from '../config';
import { openDataPlane } from '../data-plane/data-plane';
import { ControllerMetrics } from '../metrics/controller-metrics';
import { ControllerService } from './controller.service';
import {
  CONTROLLER_CLOCK,
  CONTROLLER_CONFIG,
  DATA_PLANE,
} from './controller.tokens';
import { StatusController } from './status.controller';

/**
 * The controller app: ops endpoints, its stores (etcd + documents), its data plane (simulated
 * in-process, HTTP, or handed in), and the leader-elected reconcilers.
 */
@Module({})
export class ControllerModule {
  static forRoot(config: ControllerConfig): DynamicModule {
    const clock = config.clock ?? systemClock;
    return {
      module: ControllerModule,
      imports: [
        OpsModule.forRoot({ service: 'controller' }),
        PlatformModule.forRoot(config.platform),
      ],
      controllers: [StatusController],
      providers: [
        { provide: CONTROLLER_CONFIG, useValue: config },
        { provide: CONTROLLER_CLOCK, useValue: clock },
        {
          provide: DATA_PLANE,
          useFactory: () => openDataPlane(config.dataPlane, clock),
        },
        {
          provide: ControllerMetrics,
          useFactory: (registry: Registry) => new ControllerMetrics(registry),
          inject: [METRICS_REGISTRY],
        },
        ControllerService,
      ],
      exports: [ControllerService],
    };
  }
}
