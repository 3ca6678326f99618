import { Injectable, PipeTransform } from '@nestjs/common';
import { validationProblem } from '../common/validation.js';

/** For routes without parameters: any query parameter is a 400 naming it, like the DTO-validated routes. */
@Injectable()
export class NoQueryParamsPipe implements PipeTransform<Record<string, unknown> | undefined> {
  transform(query: Record<string, unknown> | undefined): Record<string, never> {
    const names = Object.keys(query ?? {});
    if (names.length > 0) {
      throw validationProblem(
        names.map((field) => ({ field, message: `property ${field} should not exist` })),
      );
    }
    return {};
  }
}
