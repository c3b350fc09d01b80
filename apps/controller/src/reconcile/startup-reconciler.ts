import {
  createWorker,
  workerInputFromTemplate,
  type Worker,
} from '@lcm/domain';
import { TEMPLATE_TAG, WORKER_ID_TAG } from '@lcm/providers';
import { describeError } from './controller-logger';
import type { PassContext } from './pass-context';

export interface AdoptionReport {
  /** Workers re-created from VMs the provider reports and etcd no longer knows. */
  adopted: string[];
  /** Things reported and left alone (never deleted silently): unknown VMs, labs no instance owns. */
  reported: string[];
}

/**
 * What a new leader does once before its first pass (docs/controller.md#start-up-reconcile "reconcile at startup", docs/controller.md#orphans:
 * orphaned cloud resources): compare what the provider runs with the worker records. A VM LCM made
 * (tagged with its worker id and template) whose worker record is gone is adopted: the worker is
 * re-created under the same id, and provisioning with that id as idempotency key finds the same VM.
 * Anything else unknown is reported, never deleted. Work a dead leader left half done (a worker
 * provisioned but not recorded, a lab imported for an instance still instantiating) needs nothing
 * special: the reconcilers find it again by idempotency key.
 */
export class StartupReconciler {
  async adopt(pass: PassContext): Promise<AdoptionReport> {
    const report: AdoptionReport = { adopted: [], reported: [] };
    const vms = await pass.deps.provider.listManaged();
    const workers = new Map(
      [...pass.view.workers.values()].map(
        (v) => [v.worker.value.id, v.worker.value] as const,
      ),
    );
    const byCloudId = new Map(
      [...workers.values()]
        .filter((w) => w.providerInstanceId)
        .map((w) => [w.providerInstanceId as string, w] as const),
    );
    const templates = await pass.deps.templates.list();
    for (const vm of vms) {
      const workerId = vm.tags[WORKER_ID_TAG];
      const known =
        (workerId ? workers.get(workerId) : undefined) ?? byCloudId.get(vm.id);
      if (known) {
        if (known.state === 'terminated' || known.state === 'failed')
          report.reported.push(
            `VM ${vm.id} (${vm.state}) still exists for ${known.state} worker ${known.id}`,
          );
        continue;
      }
      const template = templates.find((t) => t.name === vm.tags[TEMPLATE_TAG]);
      if (
        !workerId ||
        !template ||
        (vm.state !== 'pending' && vm.state !== 'running')
      ) {
        report.reported.push(
          `VM ${vm.id} (${vm.state}, worker ${workerId ?? '?'}, template ${vm.tags[TEMPLATE_TAG] ?? '?'}) is not known to LCM`,
        );
        continue;
      }
      const change = createWorker(
        // The VM's own region: it is where the worker actually runs.
        workerInputFromTemplate(template, {
          id: workerId,
          name: vm.tags['Name'] ?? workerId,
          region: vm.region,
        }),
        pass.context('adopted_from_provider'),
      );
      if (await pass.writer.worker(undefined, change))
        report.adopted.push(workerId);
    }
    await this.reportStrayLabs(pass, report);
    for (const line of report.reported)
      pass.logger.warn(`start-up reconcile: ${line}`);
    if (report.adopted.length > 0)
      pass.logger.log(
        `start-up reconcile: adopted workers ${report.adopted.join(', ')} from the provider`,
      );
    return report;
  }

  /** Labs on running workers that no live instance of that worker owns (docs/controller.md#orphans [gap]: reported). */
  private async reportStrayLabs(
    pass: PassContext,
    report: AdoptionReport,
  ): Promise<void> {
    const running = [...pass.view.workers.values()]
      .map((v) => v.worker.value)
      .filter(
        (w): w is Worker & { hostname: string } =>
          (w.state === 'running' || w.state === 'draining') &&
          w.hostname !== null,
      );
    for (const worker of running) {
      try {
        // The view's index by worker: not every instance per worker (1,000 workers x 10,000 instances).
        const owned = new Set(
          pass.view.liveInstancesOn(worker.id).map((i) => i.id),
        );
        for (const lab of await pass.labsOn(worker.hostname)) {
          if (!lab.idempotencyKey || !owned.has(lab.idempotencyKey))
            report.reported.push(
              `lab ${lab.labId} (${lab.state}, key ${lab.idempotencyKey ?? '-'}) on worker ${worker.id} belongs to no live instance`,
            );
        }
      } catch (error) {
        pass.logger.debug?.(
          `start-up reconcile: labs of ${worker.id} not listed: ${describeError(error)}`,
        );
      }
    }
  }
}
