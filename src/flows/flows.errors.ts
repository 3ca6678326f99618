// The failures of starting and reading verifications, by code (status and problem type: the
// PROBLEMS table in src/common/problem-details.filter.ts).
import { SimpleFeatureError } from '../common/problem.js';

export type FlowsErrorCode =
  'VERIFICATION_NOT_FOUND' | 'NOT_THE_TOKEN_USER' | 'IDEMPOTENCY_KEY_REUSED' | 'IDEMPOTENCY_IN_PROGRESS';

export class FlowsError extends SimpleFeatureError<FlowsErrorCode> {}
