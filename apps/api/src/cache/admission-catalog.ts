import { Inject, Injectable } from '@nestjs/common';
import {
  LABLET_DEFINITION_REPOSITORY,
  LabletDefinitionRepository,
  WORKER_TEMPLATE_REPOSITORY,
  WorkerTemplateRepository,
} from '@lcm/doc-store';
import type {
  LabletDefinition,
  LabletDefinitionSummary,
  WorkerTemplate,
} from '@lcm/domain';

/**
 * How long admission may use a definition or the template list it read before reading it again.
 * Writes through this api drop the cache at once (write-through); the TTL bounds what another api
 * replica's writes can leave stale: a deprecation, a new latest version or a template change is
 * seen by every replica within this time. A definition never seen (not found) is not cached.
 */
export const ADMISSION_CACHE_TTL_MS = 2000;

/** Entries read once and shared until they expire; concurrent misses of one key share one read. */
class TtlCache<V> {
  private readonly entries = new Map<
    string,
    { at: number; value: Promise<V> }
  >();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    const now = this.now();
    if (entry && now - entry.at < this.ttlMs) return entry.value;
    const value = load();
    this.entries.set(key, { at: now, value });
    // A failed read (not found, store down) is not kept: the next request asks again.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * What admission (POST /api/v1/instances) reads from the document store, cached: definitions by id,
 * by name and version, the latest usable version of a name, and every worker template. Without it
 * each POST made three or four document-store round trips before its one etcd transaction.
 */
@Injectable()
export class AdmissionCatalog {
  private readonly definitions = new TtlCache<LabletDefinition>(
    ADMISSION_CACHE_TTL_MS,
  );
  private readonly latest = new TtlCache<LabletDefinitionSummary | undefined>(
    ADMISSION_CACHE_TTL_MS,
  );
  private readonly templates = new TtlCache<WorkerTemplate[]>(
    ADMISSION_CACHE_TTL_MS,
  );

  constructor(
    @Inject(LABLET_DEFINITION_REPOSITORY)
    private readonly definitionRepository: LabletDefinitionRepository,
    @Inject(WORKER_TEMPLATE_REPOSITORY)
    private readonly templateRepository: WorkerTemplateRepository,
  ) {}

  /** NotFoundError (not cached) when absent. */
  definitionById(id: string): Promise<LabletDefinition> {
    return this.definitions.get(`id:${id}`, () =>
      this.definitionRepository.getById(id),
    );
  }

  /** NotFoundError (not cached) when absent. */
  definitionVersion(name: string, version: string): Promise<LabletDefinition> {
    return this.definitions.get(`version:${name}\0${version}`, () =>
      this.definitionRepository.getByNameAndVersion(name, version),
    );
  }

  /** The newest version of `name` that is not deprecated; undefined when every one is. */
  latestUsable(name: string): Promise<LabletDefinitionSummary | undefined> {
    return this.latest.get(
      name,
      async () =>
        (
          await this.definitionRepository.list({
            name,
            deprecated: false,
            limit: 1,
          })
        ).items[0],
    );
  }

  allTemplates(): Promise<WorkerTemplate[]> {
    return this.templates.get('all', () => this.templateRepository.listAll());
  }

  /** Write-through: this api changed definitions or templates; the next admission reads them again. */
  written(): void {
    this.definitions.clear();
    this.latest.clear();
    this.templates.clear();
  }
}
