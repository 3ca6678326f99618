// `:kind` route parameters: KTP, SELFIE or ADDITIONAL_SELFIE, anything else a 400 naming `kind`.
import { PipeTransform } from '@nestjs/common';
import { validationProblem } from '../common/validation.js';
import { EVIDENCE_KINDS, EvidenceKind } from './evidence-follow-up.js';

export class EvidenceKindPipe implements PipeTransform<string, EvidenceKind> {
  transform(value: string): EvidenceKind {
    if ((EVIDENCE_KINDS as readonly string[]).includes(value)) return value as EvidenceKind;
    throw validationProblem([{ field: 'kind', message: `kind must be one of ${EVIDENCE_KINDS.join(', ')}` }]);
  }
}

export const EVIDENCE_KIND_PIPE = new EvidenceKindPipe();
