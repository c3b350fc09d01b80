import {
  ArgumentMetadata,
  Type,
  ValidationError,
  ValidationPipe,
  ValidationPipeOptions,
} from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import {
  getMetadataStorage,
  MetadataStorage,
  ValidationArguments,
  ValidationTypes,
} from 'class-validator';
import { ProblemException } from './problem-details';

/** Flattens class-validator errors into `{ field: 'a.b[0].c', message }` entries. */
export function flattenValidationErrors(
  errors: ValidationError[],
  parent = '',
): { field: string; message: string }[] {
  return errors.flatMap((error) => {
    const field = parent
      ? /^\d+$/.test(error.property)
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`
      : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message,
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * The request validation every app uses: unknown fields rejected, types transformed, and failures
 * answered as a `validation-error` problem naming each offending field.
 */
export const VALIDATION_PIPE_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => {
    const fields = flattenValidationErrors(errors);
    return new ProblemException(
      'validation-error',
      fields.map((f) => `${f.field}: ${f.message}`).join('; '),
      { errors: fields },
    );
  },
};

/** A pipe with VALIDATION_PIPE_OPTIONS (and the fast path for flat DTOs: CompiledValidationPipe). */
export function createValidationPipe(): ValidationPipe {
  return new CompiledValidationPipe(VALIDATION_PIPE_OPTIONS);
}

/**
 * ValidationPipe with a fast path for flat DTOs (list queries, simple bodies): class-validator looks
 * up and groups a class's rules on every call, which cost more than the checks themselves (about a
 * tenth of a list request's CPU). The rules of a class are gathered once here (see compileRules) and
 * run straight on the transformed DTO. The fast path only ever accepts: whenever a rule fails, or
 * the input or the class is outside what it handles, the full ValidationPipe runs on the same input
 * and answers, so every error (and every refusal) is exactly the full pipe's. Only for the options
 * VALIDATION_PIPE_OPTIONS (whitelist, forbidNonWhitelisted, transform, no groups).
 */
class CompiledValidationPipe extends ValidationPipe {
  override async transform(
    value: unknown,
    metadata: ArgumentMetadata,
  ): Promise<unknown> {
    if (
      (metadata.type === 'query' || metadata.type === 'body') &&
      metadata.metatype !== undefined &&
      isFlatPlainObject(value)
    ) {
      const rules = rulesOf(metadata.metatype);
      if (rules !== undefined) {
        const entity = plainToInstance(
          metadata.metatype,
          value,
          this.transformOptions,
        ) as Record<string, unknown>;
        if (rules.accept(entity)) return entity;
      }
    }
    return super.transform(value, metadata);
  }
}

/** What the fast path takes: an object of primitive fields (strings, numbers, booleans, null). */
function isFlatPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
    // The full pipe strips prototype keys; leave that to it.
    if (key === '__proto__' || key === 'constructor' || key === 'prototype')
      return false;
    const field = (value as Record<string, unknown>)[key];
    if (typeof field === 'object' && field !== null) return false;
    if (typeof field === 'function' || typeof field === 'symbol') return false;
  }
  return true;
}

/** A DTO class's rules, gathered once: which fields exist, and each field's checks. */
export interface CompiledRules {
  /** True when class-validator (as createValidationPipe runs it) would find no error in `entity`; false: not proved. */
  accept(entity: Record<string, unknown>): boolean;
}

interface FieldRules {
  name: string;
  /** IsOptional, ValidateIf: any false skips the field's checks. */
  conditions: ((object: object, value: unknown) => boolean)[];
  checks: {
    constraints: unknown[];
    validate(value: unknown, args: ValidationArguments): unknown;
  }[];
}

const compiled = new WeakMap<object, CompiledRules | null>();

function rulesOf(metatype: Type<unknown>): CompiledRules | undefined {
  let rules = compiled.get(metatype);
  if (rules === undefined) {
    rules = compileRules(metatype) ?? null;
    compiled.set(metatype, rules);
  }
  return rules ?? undefined;
}

/**
 * The rules class-validator would apply to an instance of `metatype` (no groups, `always` off), when
 * every one is a synchronous property check or condition; undefined otherwise (nested objects, `each`,
 * IsDefined, async validators, a class without rules...), which leaves the class to the full pipe.
 */
export function compileRules(
  metatype: Type<unknown>,
): CompiledRules | undefined {
  if (
    [String, Boolean, Number, Array, Object, Buffer, Date].some(
      (type) => (metatype as unknown) === type,
    )
  )
    return undefined;
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(
    metatype,
    undefined as unknown as string,
    false,
    false,
    undefined,
  );
  if (metadatas.length === 0) return undefined;
  const fields = new Map<string, FieldRules>();
  for (const metadata of metadatas) {
    let field = fields.get(metadata.propertyName);
    if (field === undefined)
      fields.set(
        metadata.propertyName,
        (field = { name: metadata.propertyName, conditions: [], checks: [] }),
      );
    if (!addRule(field, metadata, storage)) return undefined;
  }
  const targetName = metatype.name;
  const rules = [...fields.values()];
  return {
    accept(entity) {
      // whitelist + forbidNonWhitelisted: a field without rules is an error.
      for (const key of Object.keys(entity)) if (!fields.has(key)) return false;
      for (const { name, conditions, checks } of rules) {
        const value = entity[name];
        if (!conditions.every((condition) => condition(entity, value)))
          continue;
        for (const { constraints, validate } of checks) {
          const valid = validate(value, {
            targetName,
            property: name,
            object: entity,
            value,
            constraints,
          });
          // false, or a promise (an async check): not proved here.
          if (valid !== true) return false;
        }
      }
      return true;
    },
  };
}

function addRule(
  field: FieldRules,
  metadata: ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number],
  storage: MetadataStorage,
): boolean {
  if (metadata.each || metadata.always || (metadata.groups?.length ?? 0) > 0)
    return false;
  if ((metadata as { validateIf?: unknown }).validateIf !== undefined)
    return false;
  if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) {
    const condition = metadata.constraints?.[0] as unknown;
    if (typeof condition !== 'function') return false;
    field.conditions.push(
      condition as (object: object, value: unknown) => boolean,
    );
    return true;
  }
  if (metadata.type !== ValidationTypes.CUSTOM_VALIDATION) return false;
  for (const constraint of storage.getTargetValidatorConstraints(
    metadata.constraintCls,
  )) {
    if (constraint.async) return false;
    const instance = constraint.instance;
    field.checks.push({
      constraints: metadata.constraints,
      validate: (value, args) => instance.validate(value, args),
    });
  }
  return true;
}
