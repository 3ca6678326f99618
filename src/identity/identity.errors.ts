// The failures of identity reads, by code (status and problem type: the PROBLEMS table in
// src/common/problem-details.filter.ts).
import { SimpleFeatureError } from '../common/problem.js';

export type IdentityErrorCode = 'VERIFICATION_NOT_FOUND' | 'IDENTITY_ERASED';

export class IdentityError extends SimpleFeatureError<IdentityErrorCode> {}
