// Cross-field checks for the admin query DTOs, reported like any other field error (400 naming it).
import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/** ISO 8601 date (`2025-11-26`, a UTC day) or date-time with a zone (`2025-11-26T08:00:00+07:00`). */
export const ISO_DATE_OR_DATETIME =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** The first instant of a `createdFrom` bound: a date means 00:00 UTC that day. */
export function rangeStart(value: string): string {
  return DATE_ONLY.test(value) ? `${value}T00:00:00.000000Z` : value;
}

/** The last instant of a `createdTo` bound (inclusive): a date means the whole UTC day. */
export function rangeEnd(value: string): string {
  return DATE_ONLY.test(value) ? `${value}T23:59:59.999999Z` : value;
}

/** The property may only be given together with `other`. */
export function RequiresField(other: string, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'requiresField',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [other],
      options,
      validator: {
        validate: (_value: unknown, args: ValidationArguments) =>
          (args.object as Record<string, unknown>)[other] !== undefined,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} may only be used together with ${other}`,
      },
    });
}

/** The property (a date or date-time) must not be earlier than `other`. */
export function NotBefore(other: string, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'notBefore',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [other],
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const from = (args.object as Record<string, unknown>)[other];
          if (typeof value !== 'string' || typeof from !== 'string') return true;
          const a = Date.parse(rangeStart(from));
          const b = Date.parse(rangeEnd(value));
          return Number.isNaN(a) || Number.isNaN(b) || a <= b;
        },
        defaultMessage: (args: ValidationArguments) => `${args.property} must not be earlier than ${other}`,
      },
    });
}
