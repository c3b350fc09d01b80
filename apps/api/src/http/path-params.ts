import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ProblemException } from '@lcm/runtime';
import { SEMVER, UUID } from './dto-validators';

// Worker ids are UUIDs when the api creates them; the controller's ids only need to be one plain key segment.
const WORKER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function invalid(metadata: ArgumentMetadata, message: string): never {
  const field = metadata.data ?? 'id';
  throw new ProblemException('validation-error', `${field}: ${message}`, { errors: [{ field, message }] });
}

/** A path parameter that must be a UUID (instances, definitions, templates). */
@Injectable()
export class UuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !UUID.test(value)) invalid(metadata, 'must be a UUID');
    return value.toLowerCase();
  }
}

@Injectable()
export class WorkerIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !WORKER_ID.test(value)) invalid(metadata, 'must be a worker id (letters, digits and . _ : -)');
    return value;
  }
}

@Injectable()
export class SemverPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || value.length > 64 || !SEMVER.test(value)) invalid(metadata, 'must be a semantic version MAJOR.MINOR.PATCH');
    return value;
  }
}
