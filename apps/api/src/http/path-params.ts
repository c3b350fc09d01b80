import {
  ArgumentMetadata,
  Injectable,
  Param,
  PipeTransform,
  Type,
} from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ProblemException } from '@lcm/runtime';
import { SEMVER, UUID } from './dto-validators';

// Worker ids are UUIDs when the api creates them; the controller's ids only need to be one plain key segment.
const WORKER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

type SchemaObject = {
  type: 'string';
  format?: string;
  pattern: string;
  minLength?: number;
  maxLength: number;
  example?: string;
};

/** What each pipe accepts, as the OpenAPI document states it (JSON Schema patterns are case-sensitive). */
export const UUID_SCHEMA: SchemaObject = {
  type: 'string',
  format: 'uuid',
  pattern:
    '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  minLength: 36,
  maxLength: 36,
};
export const WORKER_ID_SCHEMA: SchemaObject = {
  type: 'string',
  pattern: WORKER_ID.source,
  minLength: 1,
  maxLength: 128,
};
export const SEMVER_SCHEMA: SchemaObject = {
  type: 'string',
  pattern: SEMVER.source,
  maxLength: 64,
  example: '1.0.0',
};

/**
 * A path parameter read through its pipe and declared in the OpenAPI document with the schema that
 * pipe enforces, in one decorator, so the document can never allow what the route refuses.
 */
function pathParam(
  pipe: Type<PipeTransform>,
  schema: SchemaObject,
  description: string,
) {
  return (name = 'id'): ParameterDecorator =>
    (target, key, index) => {
      Param(name, pipe)(target, key, index);
      if (key === undefined) return;
      const descriptor = Object.getOwnPropertyDescriptor(target, key);
      if (descriptor)
        ApiParam({ name, required: true, schema, description })(
          target,
          key,
          descriptor,
        );
    };
}

function invalid(metadata: ArgumentMetadata, message: string): never {
  const field = metadata.data ?? 'id';
  throw new ProblemException('validation-error', `${field}: ${message}`, {
    errors: [{ field, message }],
  });
}

/** A path parameter that must be a UUID (instances, definitions, templates). */
@Injectable()
export class UuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !UUID.test(value))
      invalid(metadata, 'must be a UUID');
    return value.toLowerCase();
  }
}

@Injectable()
export class WorkerIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !WORKER_ID.test(value))
      invalid(metadata, 'must be a worker id (letters, digits and . _ : -)');
    return value;
  }
}

@Injectable()
export class SemverPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || value.length > 64 || !SEMVER.test(value))
      invalid(metadata, 'must be a semantic version MAJOR.MINOR.PATCH');
    return value;
  }
}

export const UuidParam = pathParam(UuidPipe, UUID_SCHEMA, 'a UUID');
export const WorkerIdParam = pathParam(
  WorkerIdPipe,
  WORKER_ID_SCHEMA,
  'a worker id: letters, digits and . _ : - (at most 128)',
);
export const SemverParam = pathParam(
  SemverPipe,
  SEMVER_SCHEMA,
  'a semantic version MAJOR.MINOR.PATCH[-prerelease]',
);
