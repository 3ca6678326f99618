import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { problemFor } from './problem-details.filter.js';
import { ProblemException, ProblemFieldError } from './problem.js';

/**
 * Flattens class-validator errors into `{field, message}` with dotted paths. A missing field is
 * one error ("x is required"), not one per rule it would also break (string, length, pattern...).
 */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): ProblemFieldError[] {
  const out: ProblemFieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const messages = Object.values(e.constraints ?? {});
    if (e.value === undefined && messages.length > 0) {
      out.push({ field, message: messages.find((m) => /required/.test(m)) ?? `${field} is required` });
      continue;
    }
    for (const message of messages) out.push({ field, message });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

/**
 * The one 400 of this service: `errors` names each field and what is wrong with it; the detail
 * lists the fields unless a caller words it (an empty body, a value that cannot be stored).
 */
export function validationProblem(errors: ProblemFieldError[], detail?: string): ProblemException {
  const fields = [...new Set(errors.map((e) => e.field))];
  return new ProblemException(
    problemFor('VALIDATION_FAILED', detail ?? `Invalid request: ${fields.join(', ')}`, { errors }),
  );
}

/** An absent body, `{}` or `null`: the caller sent nothing to validate. */
function isEmptyBody(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0)
  );
}

/** Answers an empty body with one problem that lists what to send, instead of a rule per field. */
class ProblemValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Only bodies validated against a DTO class (a route with its own body pipe keeps what it got).
    if (metadata.type !== 'body' || !isEmptyBody(value) || !this.toValidate(metadata)) {
      return super.transform(value, metadata);
    }
    try {
      return await super.transform({}, metadata);
    } catch (err) {
      const errors = err instanceof ProblemException ? err.problem.errors : undefined;
      if (!errors?.length) throw err;
      const required = errors.filter((e) => !e.field.includes('.'));
      throw validationProblem(
        required,
        `The request body is empty: send a JSON object with ${required.map((e) => e.field).join(', ')}`,
      );
    }
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ProblemValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: false,
    // Bodies taken with a custom decorator validate themselves (the provider's callback:
    // @ProviderCallbackBody() keeps fields the provider adds); this pipe does not see them.
    validateCustomDecorators: false,
    exceptionFactory: (errors) => validationProblem(flattenValidationErrors(errors)),
  });
}
