import type { EventDataByType, EventType } from '@lcm/domain';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { catalogEntryFor } from './event-catalog';

/** One thing wrong with an event: the field path (`data.score.breakdown[0].points`) and why. */
export interface EventIssue {
  field: string;
  message: string;
}

export type EventDataValidation<T> =
  | { ok: true; data: T }
  | { ok: false; issues: EventIssue[] };

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const INDEX = /^\d+$/;

function collectIssues(
  errors: readonly ValidationError[],
  parent: string,
  issues: EventIssue[],
): void {
  for (const error of errors) {
    const field = INDEX.test(error.property)
      ? `${parent}[${error.property}]`
      : `${parent}.${error.property}`;
    for (const message of Object.values(error.constraints ?? {})) {
      issues.push({ field, message });
    }
    collectIssues(error.children ?? [], field, issues);
  }
}

/**
 * Checks an event's `data` against its type's catalog class. Returns the data unchanged (the
 * plain object, not a class instance) when it fits; otherwise one issue per broken field (the
 * first rule it breaks), with its path under `data`.
 *
 * Fields the class does not list are allowed (`whitelist: false`): consumers must tolerate
 * additive changes, so a producer one version ahead is not rejected. The classes list every field
 * the domain produces, so nothing LCM emits is unchecked.
 */
export function validateEventData<K extends EventType>(
  type: K,
  data: unknown,
): EventDataValidation<EventDataByType[K]>;
export function validateEventData(
  type: string,
  data: unknown,
): EventDataValidation<unknown>;
export function validateEventData(
  type: string,
  data: unknown,
): EventDataValidation<unknown> {
  const entry = catalogEntryFor(type);
  if (entry === undefined) {
    return {
      ok: false,
      issues: [
        {
          field: 'type',
          message: `is not a known event type: ${JSON.stringify(type)}`,
        },
      ],
    };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return {
      ok: false,
      issues: [
        {
          field: 'data',
          message: `must be an object, got ${describe(data)}`,
        },
      ],
    };
  }
  const instance = plainToInstance(entry.dataClass, data) as object;
  const errors = validateSync(instance, {
    whitelist: false,
    forbidNonWhitelisted: false,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  if (errors.length === 0) return { ok: true, data };
  const issues: EventIssue[] = [];
  collectIssues(errors, 'data', issues);
  return { ok: false, issues };
}
