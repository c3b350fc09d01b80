import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import {
  LABLET_DEFINITION_REPOSITORY,
  WORKER_TEMPLATE_REPOSITORY,
  type LabletDefinitionRepository,
  type WorkerTemplateRepository,
} from '@lcm/doc-store';
import type { Clock } from '@lcm/domain';
import {
  createPino,
  JsonLogger,
  ReadinessChecks,
  STATE_STORE,
  type LogLevelName,
} from '@lcm/runtime';
import {
  InstanceStore,
  KeyLayout,
  StoreObserver,
  WorkerStore,
  type StateStore,
} from '@lcm/state-store';
import type { ControllerConfig } from '../config';
import type { DataPlane } from '../data-plane/data-plane';
import { LabYamlSource } from '../documents/lab-yaml-source';
import { TemplateCatalog } from '../documents/template-catalog';
import { ControllerMetrics } from '../metrics/controller-metrics';
import { ClusterView } from '../reconcile/cluster-view';
import type { ControllerLogger } from '../reconcile/controller-logger';
import { ControllerReconciler } from '../reconcile/controller-reconciler';
import {
  ControllerRuntime,
  type ControllerStatus,
} from '../runtime/controller-runtime';
import {
  CONTROLLER_CLOCK,
  CONTROLLER_CONFIG,
  DATA_PLANE,
} from './controller.tokens';

/**
 * The controller's own JSON logger (service `controller`). Not Nest's static Logger: in the embedded
 * default four apps share one process, and the static logger is whichever app started last.
 */
function controllerLogger(
  level: LogLevelName,
  context: string,
): ControllerLogger {
  const logger = new JsonLogger(createPino('controller', level));
  return {
    log: (m) => logger.log(m, context),
    warn: (m) => logger.warn(m, context),
    error: (m) => logger.error(m, context),
    debug: (m) => logger.debug(m, context),
  };
}

/** Wires the reconcilers to the app's stores and data plane, and runs them for the app's lifetime. */
@Injectable()
export class ControllerService
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  readonly runtime: ControllerRuntime;
  readonly reconciler: ControllerReconciler;
  private readonly logger: ControllerLogger;

  constructor(
    @Inject(CONTROLLER_CONFIG) private readonly config: ControllerConfig,
    @Inject(DATA_PLANE) readonly dataPlane: DataPlane,
    @Inject(CONTROLLER_CLOCK) clock: Clock,
    @Inject(STATE_STORE) store: StateStore,
    keys: KeyLayout,
    instances: InstanceStore,
    workers: WorkerStore,
    @Inject(WORKER_TEMPLATE_REPOSITORY) templates: WorkerTemplateRepository,
    @Inject(LABLET_DEFINITION_REPOSITORY)
    definitions: LabletDefinitionRepository,
    readonly metrics: ControllerMetrics,
    private readonly readiness: ReadinessChecks,
    observer: StoreObserver,
  ) {
    const logger = controllerLogger(config.logLevel, 'Controller');
    this.logger = logger;
    const view = new ClusterView({ store, keys, instances, workers, observer });
    this.reconciler = new ControllerReconciler({
      view,
      instances,
      workers,
      provider: dataPlane.provider,
      runtime: dataPlane.runtime,
      templates: new TemplateCatalog(templates),
      labs: new LabYamlSource(definitions),
      clock,
      settings: config.controller,
      metrics,
      logger,
    });
    this.runtime = new ControllerRuntime({
      store,
      keys,
      reconciler: this.reconciler,
      view,
      settings: config.controller,
      metrics,
      logger,
      clock,
    });
  }

  onModuleInit(): void {
    this.readiness.register({
      name: 'data-plane',
      check: () => this.dataPlane.check(),
    });
  }

  onApplicationBootstrap(): void {
    this.logger.log(
      `data plane: ${this.dataPlane.description}; region ${this.config.controller.region}`,
    );
    this.runtime.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
    await this.dataPlane.close();
  }

  /** From memory (the election's own view of the leader key): answers, without a store call, during an outage. */
  status(): ControllerStatus & {
    currentLeader: string | null;
    dataPlane: string;
    region: string;
  } {
    return {
      ...this.runtime.status(),
      currentLeader: this.runtime.knownLeader() ?? null,
      dataPlane: this.dataPlane.description,
      region: this.config.controller.region,
    };
  }
}
