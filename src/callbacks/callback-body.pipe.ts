// Validates a callback body against OneKycCallbackDto with this route's own options: unknown
// fields are tolerated (the global pipe would refuse them). Returns the body itself, the plain
// parsed JSON, so the raw payload stored with the event keeps every field the provider sent.
// The controller takes the body with @ProviderCallbackBody(), which says so explicitly.
import { createParamDecorator, ExecutionContext, Injectable, PipeTransform } from '@nestjs/common';
import { stripProtoKeys } from '@nestjs/common/utils/strip-proto-keys.util.js';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors, validationProblem } from '../common/validation.js';
import { CallbackMetrics } from './callback-metrics.js';
import { OneKycCallbackDto } from './callback-body.dto.js';
import { fastAccepts } from './callback-body.fast-path.js';

/** The raw parsed body, checked against OneKycCallbackDto (a plain object, not an instance). */
export type CallbackBody = OneKycCallbackDto & Record<string, unknown>;

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

@Injectable()
export class CallbackBodyPipe implements PipeTransform<unknown, CallbackBody> {
  constructor(private readonly metrics: CallbackMetrics) {}

  transform(value: unknown): CallbackBody {
    if (!isJsonObject(value)) {
      this.metrics.count('invalid');
      throw validationProblem([{ field: 'body', message: 'body must be a JSON object' }]);
    }
    // A signing callback has another shape: never refused (the provider would retry it forever);
    // the service keeps it aside, flagged (CallbacksService.ingestSigning).
    if (Object.hasOwn(value, 'callbackType')) {
      stripProtoKeys(value);
      return value as CallbackBody;
    }
    // The bodies the provider sends (only the DTO's fields, plainly valid): class-validator would
    // accept them, at fifty times the cost. Everything else takes the full path below.
    if (fastAccepts(value)) return value as CallbackBody;
    // As the global ValidationPipe does: an own `constructor`, `prototype` or `__proto__` key, at any
    // depth, is dropped before class-transformer walks the body (a non-function `constructor` in a
    // nested object made it throw a TypeError: a 500 for a hostile body).
    stripProtoKeys(value);
    const errors = validateSync(plainToInstance(OneKycCallbackDto, value), {
      whitelist: false,
      forbidNonWhitelisted: false,
      forbidUnknownValues: true,
    });
    if (errors.length > 0) {
      this.metrics.count('invalid');
      throw validationProblem(flattenValidationErrors(errors));
    }
    return value as CallbackBody;
  }
}

const requestBody = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<{ body: unknown }>().body,
);

/**
 * The provider's callback body, validated by CallbackBodyPipe only. The global ValidationPipe
 * (whitelist, unknown fields refused) does not see it: it is a custom parameter decorator, and the
 * global pipe leaves those alone (`validateCustomDecorators` is off). Fields the provider adds
 * later are accepted and stored, not refused.
 */
export const ProviderCallbackBody = (): ParameterDecorator => requestBody(undefined, CallbackBodyPipe);
