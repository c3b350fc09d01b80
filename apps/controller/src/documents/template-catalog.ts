import type { WorkerTemplateRepository } from '@lcm/doc-store';
import { systemClock, type Clock, type WorkerTemplate } from '@lcm/domain';

/** Worker templates as the controller reads them (every page), cached briefly: they rarely change. */
export class TemplateCatalog {
  private cached?: { at: number; templates: Promise<WorkerTemplate[]> };

  constructor(
    private readonly repository: Pick<WorkerTemplateRepository, 'listAll'>,
    private readonly ttlMs = 5_000,
    private readonly clock: Clock = systemClock,
  ) {}

  async list(): Promise<WorkerTemplate[]> {
    const at = this.clock.now();
    if (!this.cached || at - this.cached.at > this.ttlMs) {
      const templates = this.repository.listAll();
      this.cached = { at, templates };
      templates.catch(() => (this.cached = undefined));
    }
    return this.cached.templates;
  }

  async byName(name: string): Promise<WorkerTemplate | undefined> {
    return (await this.list()).find((t) => t.name === name);
  }

  /** Forget the cache (a template was created or changed). */
  invalidate(): void {
    this.cached = undefined;
  }
}
