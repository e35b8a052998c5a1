import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ValidationFailedError } from './domain-error.js';

function flatten(errors: ValidationError[], parent = ''): { field: string; message: string }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Every body, query and path parameter is validated against its DTO: unknown fields are rejected
 * (not silently dropped) so a typo never looks like success, and each problem names its field.
 * Validation messages never repeat the offending value (`validationError.value: false`).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(flatten(errors)),
  });
}
