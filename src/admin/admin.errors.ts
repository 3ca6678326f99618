// The failures of the operators' API, by code (status and problem type: the PROBLEMS table in
// src/common/problem-details.filter.ts).
import { SimpleFeatureError } from '../common/problem.js';

export type AdminErrorCode = 'SUBMISSION_NOT_FOUND';

export class AdminError extends SimpleFeatureError<AdminErrorCode> {}
