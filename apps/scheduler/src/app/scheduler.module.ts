import { DynamicModule, Logger, Module } from '@nestjs/common';
import {
  WORKER_TEMPLATE_REPOSITORY,
  WorkerTemplateRepository,
} from '@lcm/doc-store';
import {
  METRICS_REGISTRY,
  OpsModule,
  PlatformModule,
  STATE_STORE,
} from '@lcm/runtime';
import {
  InstanceStore,
  KeyLayout,
  StateStore,
  StoreObserver,
  WorkerStore,
} from '@lcm/state-store';
import { Registry } from 'prom-client';
import { SchedulerConfig } from '../config';
import { Scheduler } from '../scheduler/scheduler';
import { repositoryTemplateSource } from '../templates/template-poller';
import { SchedulerLifecycle } from './scheduler-lifecycle';
import { SchedulerStatusController } from './scheduler-status.controller';

/**
 * The scheduler app: ops endpoints, the stores (etcd + the doc store for worker templates), and
 * the Scheduler core wired to them. It campaigns once the app has started and resigns on shutdown.
 */
@Module({})
export class SchedulerModule {
  static forRoot(config: SchedulerConfig): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [
        OpsModule.forRoot({ service: 'scheduler' }),
        PlatformModule.forRoot(config.platform),
      ],
      controllers: [SchedulerStatusController],
      providers: [
        {
          provide: Scheduler,
          useFactory: (
            store: StateStore,
            keys: KeyLayout,
            instances: InstanceStore,
            workers: WorkerStore,
            templates: WorkerTemplateRepository,
            registry: Registry,
            observer: StoreObserver,
          ) =>
            new Scheduler({
              store,
              keys,
              instances,
              workers,
              templates: repositoryTemplateSource(templates),
              settings: config.scheduler,
              registry,
              observer,
              logger: new Logger('Scheduler'),
            }),
          inject: [
            STATE_STORE,
            KeyLayout,
            InstanceStore,
            WorkerStore,
            WORKER_TEMPLATE_REPOSITORY,
            METRICS_REGISTRY,
            StoreObserver,
          ],
        },
        SchedulerLifecycle,
      ],
    };
  }
}
