// The evidence room's refusals, by code (status and problem type: the PROBLEMS table in
// src/common/problem-details.filter.ts).
import { SimpleFeatureError } from '../common/problem.js';

export type EvidenceErrorCode =
  | 'EVIDENCE_VERIFICATION_NOT_FOUND'
  | 'EVIDENCE_ERASED'
  | 'EVIDENCE_NOT_ARCHIVED'
  | 'EVIDENCE_MISSING'
  | 'EVIDENCE_UNREADABLE'
  | 'EVIDENCE_STORE_UNAVAILABLE';

export class EvidenceError extends SimpleFeatureError<EvidenceErrorCode> {}
