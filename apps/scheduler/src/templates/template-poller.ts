import { errorMessage } from '@lcm/domain';
import type { WorkerTemplateRepository } from '@lcm/doc-store';
import type { TemplateView } from '@lcm/scheduling';
import type { SchedulerLogger } from '../scheduler/scheduler-logger';

/** Where the worker templates come from (the doc store in the app; a list in tests and benches). */
export interface TemplateSource {
  list(): Promise<TemplateView[]>;
}

/** Every template of the doc store's repository. */
export function repositoryTemplateSource(
  repository: WorkerTemplateRepository,
): TemplateSource {
  return {
    list: () => repository.listAll(),
  };
}

/**
 * The worker templates for template selection, polled: read when a term starts and again
 * periodically, telling the term when they changed (parked instances are evaluated again). (Not
 * the controller's TemplateCatalog, a short-lived cache of the documents read on demand.) A failed read keeps the last good list (scale-up decisions go on; the log says why).
 */
export class TemplatePoller {
  private templates: TemplateView[] = [];
  private fingerprint = '';
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly source: TemplateSource,
    private readonly refreshMs: number,
    private readonly logger: SchedulerLogger,
  ) {}

  current(): readonly TemplateView[] {
    return this.templates;
  }

  /** Reads the templates now; true when they differ from the cached ones. */
  async refresh(): Promise<boolean> {
    try {
      const templates = await this.source.list();
      const fingerprint = JSON.stringify(templates);
      if (fingerprint === this.fingerprint) return false;
      this.templates = templates;
      this.fingerprint = fingerprint;
      return true;
    } catch (error) {
      this.logger.warn(
        `worker templates could not be read (keeping ${this.templates.length} cached): ${errorMessage(error)}`,
        'Scheduler',
      );
      return false;
    }
  }

  /** Refreshes periodically; `changed` runs when the list changed (parked instances are re-evaluated). */
  startRefreshing(changed: () => void): void {
    this.stopRefreshing();
    this.timer = setInterval(() => {
      void this.refresh().then((didChange) => didChange && changed());
    }, this.refreshMs);
    this.timer.unref();
  }

  stopRefreshing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
