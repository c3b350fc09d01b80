import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  AUDIT_EVENT_REPOSITORY,
  AuditEventRepository,
  LABLET_DEFINITION_REPOSITORY,
  LabletDefinition,
  LabletDefinitionRepository,
  LabletDefinitionSummary,
  RegisterDefinitionResult,
} from '@lcm/doc-store';
import { buildDefinitionCreatedEvent, buildDefinitionDeprecatedEvent, buildDefinitionVersionCreatedEvent, compareSemver, DomainEvent } from '@lcm/domain';
import { toOutboxEvent } from '@lcm/events';
import { API_CONFIG } from '../app/api-config.token';
import type { ApiConfig } from '../config';
import { ClockRepository } from '../repositories/clock.repository';
import { API_EVENT_SOURCE } from '../app/event-source';
import { OutboxRepository } from '../repositories/outbox.repository';

type DefinitionFacts = Pick<LabletDefinition, 'id' | 'name' | 'version' | 'labYamlHash' | 'createdAt' | 'deprecated' | 'deprecatedAt'>;

/**
 * A definition lives in MongoDB, its events in the etcd outbox: two stores, no shared transaction.
 * So the event follows the document with a deterministic id (the domain's builders: id, type and
 * time all come from the document), written create-only; and at start-up every recent definition
 * whose event is neither in the outbox nor already in `audit_events` gets it re-emitted. A crash
 * between the two writes delays the event; it cannot lose it, and a retry cannot duplicate it.
 */
@Injectable()
export class DefinitionEventsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('DefinitionEvents');

  constructor(
    @Inject(LABLET_DEFINITION_REPOSITORY) private readonly definitions: LabletDefinitionRepository,
    @Inject(AUDIT_EVENT_REPOSITORY) private readonly audit: AuditEventRepository,
    private readonly outbox: OutboxRepository,
    private readonly clock: ClockRepository,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** After `registerVersion` created a version: `…definition.created` or `…definition.version.created`. */
  async versionRegistered(result: RegisterDefinitionResult): Promise<void> {
    if (!result.created) {
      // The same YAML again: perhaps a retry after a crash that lost the first call's event.
      await this.ensure(await this.creationEvent(result.definition));
      return;
    }
    await this.outbox.putIfAbsent(toOutboxEvent(creationEventOf(result.definition, result.previousVersion), API_EVENT_SOURCE));
  }

  /** After `deprecate` changed the document (or found it already deprecated: a retry). */
  async deprecated(definition: LabletDefinition, changed: boolean): Promise<void> {
    const event = deprecationEventOf(definition);
    if (!event) return;
    if (changed) await this.outbox.putIfAbsent(toOutboxEvent(event, API_EVENT_SOURCE));
    else await this.ensure(event);
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      const emitted = await this.recover();
      if (emitted > 0) this.logger.warn(`re-emitted ${emitted} definition event(s) lost before start-up`);
    } catch (error) {
      // Recovery is a safety net: a store hiccup must not keep the api from starting.
      this.logger.error(`definition event recovery failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Re-emits the events of recent definitions that were written but never reached the outbox. */
  async recover(): Promise<number> {
    const cutoff = Date.parse(this.clock.now()) - this.config.definitionEventRecoveryHours * 3600_000;
    let emitted = 0;
    let cursor: string | null = null;
    do {
      const page: { items: LabletDefinitionSummary[]; nextCursor: string | null } = await this.definitions.list({ limit: 500, cursor });
      for (const definition of page.items) {
        if (Date.parse(definition.createdAt) >= cutoff && (await this.ensure(await this.creationEvent(definition)))) emitted++;
        const deprecation = deprecationEventOf(definition);
        if (deprecation && Date.parse(deprecation.time) >= cutoff && (await this.ensure(deprecation))) emitted++;
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    return emitted;
  }

  /** Writes the event unless the outbox or the audit trail already has it; true when written. */
  private async ensure(event: DomainEvent): Promise<boolean> {
    if (await this.outbox.has(event.id)) return false;
    const audited = await this.audit.list({ source: API_EVENT_SOURCE, subject: event.subject, type: event.type, limit: 50 });
    if (audited.items.some((item) => item.id === event.id)) return false;
    return this.outbox.putIfAbsent(toOutboxEvent(event, API_EVENT_SOURCE));
  }

  /** The creation event as registerVersion would have emitted it: `version.created` when an older version existed. */
  private async creationEvent(definition: DefinitionFacts): Promise<DomainEvent> {
    let previous: string | null = null;
    let cursor: string | null = null;
    do {
      const page: { items: LabletDefinitionSummary[]; nextCursor: string | null } = await this.definitions.list({ name: definition.name, limit: 500, cursor });
      for (const other of page.items) {
        // Versions written before this one (in the same millisecond: the lower ones).
        const age = Date.parse(other.createdAt) - Date.parse(definition.createdAt);
        if (other.id === definition.id || age > 0 || (age === 0 && compareSemver(other.version, definition.version) >= 0)) continue;
        if (previous === null || compareSemver(other.version, previous) > 0) previous = other.version;
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    return creationEventOf(definition, previous);
  }
}

function creationEventOf(definition: DefinitionFacts, previousVersion: string | null): DomainEvent {
  const common = { definitionId: definition.id, name: definition.name, now: definition.createdAt };
  return previousVersion === null
    ? buildDefinitionCreatedEvent({ ...common, version: definition.version })
    : buildDefinitionVersionCreatedEvent({ ...common, oldVersion: previousVersion, newVersion: definition.version, labYamlHash: definition.labYamlHash });
}

function deprecationEventOf(definition: DefinitionFacts): DomainEvent | undefined {
  if (!definition.deprecated || !definition.deprecatedAt) return undefined;
  return buildDefinitionDeprecatedEvent({ definitionId: definition.id, name: definition.name, version: definition.version, now: definition.deprecatedAt });
}
