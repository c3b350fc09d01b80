import { ValidationError, ValidationPipe } from '@nestjs/common';
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
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
  });
}
