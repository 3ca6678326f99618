import { ParseUUIDPipe } from '@nestjs/common';
import { validationProblem } from './validation.js';

/** `:id` route parameters must be UUIDs: anything else is a 400 naming `id` (never a database error). */
export const UUID_ID_PIPE = new ParseUUIDPipe({
  exceptionFactory: () => validationProblem([{ field: 'id', message: 'id must be a UUID' }]),
});
