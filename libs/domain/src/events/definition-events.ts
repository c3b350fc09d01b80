import { assertIsoTimestamp } from '../values/iso-timestamp';
import type {
  DefinitionCreatedData,
  DefinitionDeprecatedData,
  DefinitionVersionCreatedData,
} from './definition-event-data';
import { domainEventId, type DomainEvent } from './domain-event';
import { EVENT_TYPES } from './event-types';

// A definition version is immutable: created at generation 0, deprecated at most once (generation 1).
const CREATED_GENERATION = 0;
const DEPRECATED_GENERATION = 1;

export function buildDefinitionCreatedEvent(input: {
  definitionId: string;
  name: string;
  version: string;
  now: string;
}): DomainEvent<DefinitionCreatedData> {
  assertIsoTimestamp(input.now, 'now');
  return {
    id: domainEventId(input.definitionId, CREATED_GENERATION, 0),
    type: EVENT_TYPES.definitionCreated,
    subject: input.definitionId,
    time: input.now,
    data: {
      definitionId: input.definitionId,
      name: input.name,
      version: input.version,
      timestamp: input.now,
    },
  };
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
  assertIsoTimestamp(input.now, 'now');
  return {
    id: domainEventId(input.definitionId, CREATED_GENERATION, 0),
    type: EVENT_TYPES.definitionVersionCreated,
    subject: input.definitionId,
    time: input.now,
    data: {
      definitionId: input.definitionId,
      name: input.name,
      oldVersion: input.oldVersion,
      newVersion: input.newVersion,
      labYamlHash: input.labYamlHash,
      timestamp: input.now,
    },
  };
}

export function buildDefinitionDeprecatedEvent(input: {
  definitionId: string;
  name: string;
  version: string;
  now: string;
}): DomainEvent<DefinitionDeprecatedData> {
  assertIsoTimestamp(input.now, 'now');
  return {
    id: domainEventId(input.definitionId, DEPRECATED_GENERATION, 0),
    type: EVENT_TYPES.definitionDeprecated,
    subject: input.definitionId,
    time: input.now,
    data: {
      definitionId: input.definitionId,
      name: input.name,
      version: input.version,
      timestamp: input.now,
    },
  };
}
