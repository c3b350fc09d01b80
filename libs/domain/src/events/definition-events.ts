import { assertIsoTimestamp } from '../values/iso-timestamp';
import type {
  DefinitionCreatedData,
  DefinitionDeprecatedData,
  DefinitionVersionCreatedData,
} from './definition-event-data';
import { buildDomainEvents, type DomainEvent } from './domain-event';
import { EVENT_TYPES } from './event-types';

// A definition version is immutable: created at generation 0, deprecated at most once (generation 1).
const CREATED_GENERATION = 0;
const DEPRECATED_GENERATION = 1;

/** One event of a definition version: its id is the version's id and generation. */
function definitionEvent<T extends { definitionId: string; timestamp: string }>(
  type: string,
  generation: number,
  data: T,
): DomainEvent<T> {
  assertIsoTimestamp(data.timestamp, 'now');
  const [event] = buildDomainEvents(
    data.definitionId,
    generation,
    data.timestamp,
    [{ type, data }],
  );
  return event as DomainEvent<T>;
}

export function buildDefinitionCreatedEvent(input: {
  definitionId: string;
  name: string;
  version: string;
  now: string;
}): DomainEvent<DefinitionCreatedData> {
  return definitionEvent(EVENT_TYPES.definitionCreated, CREATED_GENERATION, {
    definitionId: input.definitionId,
    name: input.name,
    version: input.version,
    timestamp: input.now,
  });
}

/** A new version of an existing name (its YAML hash changed); subject is the new version's id. */
export function buildDefinitionVersionCreatedEvent(input: {
  definitionId: string;
  name: string;
  oldVersion: string;
  newVersion: string;
  labYamlHash: string;
  now: string;
}): DomainEvent<DefinitionVersionCreatedData> {
  return definitionEvent(
    EVENT_TYPES.definitionVersionCreated,
    CREATED_GENERATION,
    {
      definitionId: input.definitionId,
      name: input.name,
      oldVersion: input.oldVersion,
      newVersion: input.newVersion,
      labYamlHash: input.labYamlHash,
      timestamp: input.now,
    },
  );
}

export function buildDefinitionDeprecatedEvent(input: {
  definitionId: string;
  name: string;
  version: string;
  now: string;
}): DomainEvent<DefinitionDeprecatedData> {
  return definitionEvent(
    EVENT_TYPES.definitionDeprecated,
    DEPRECATED_GENERATION,
    {
      definitionId: input.definitionId,
      name: input.name,
      version: input.version,
      timestamp: input.now,
    },
  );
}
