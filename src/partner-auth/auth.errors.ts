// Refusals of callers (partner, identity and admin keys, end-user tokens, the provider's callback
// credential), by code (status and problem type: the PROBLEMS table in
// src/common/problem-details.filter.ts).
import { SimpleFeatureError } from '../common/problem.js';

export type AuthErrorCode =
  | 'UNAUTHENTICATED'
  | 'CALLER_NOT_ALLOWED'
  | 'CALLBACK_ADDRESS_NOT_ALLOWED'
  | 'CALLBACK_NOT_JSON'
  | 'USER_TOKENS_UNAVAILABLE'
  | 'SIGN_IN_THROTTLED';

export class AuthError extends SimpleFeatureError<AuthErrorCode> {}
