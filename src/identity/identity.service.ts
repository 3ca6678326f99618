// Identity room: the verified identity for the partner's back end (identity keys only). The read
// is written to the audit log before anything is answered: when the record cannot be written,
// nothing is shown. After an erasure (or retention) the data is gone for good: 410.
import { Inject, Injectable, Optional } from '@nestjs/common';
import { AuditLogRepository } from '../audit/audit-log.repository.js';
import { EVIDENCE_CATALOG, EvidencePort } from '../common/evidence-ports.js';
import { SubmissionsRepository } from '../submissions/submissions.repository.js';
import { VerificationIdentityDto } from './identity.dto.js';
import { IdentityError } from './identity.errors.js';

export interface IdentityReader {
  /** keyId() of the identity key. */
  keyRef: string;
  requestId: string;
}

@Injectable()
export class IdentityService {
  constructor(
    private readonly submissions: SubmissionsRepository,
    private readonly audit: AuditLogRepository,
    @Optional() @Inject(EVIDENCE_CATALOG) private readonly evidence?: EvidencePort,
  ) {}

  async read(id: string, reader: IdentityReader): Promise<VerificationIdentityDto> {
    const s = await this.submissions.findById(id);
    if (!s) throw new IdentityError('VERIFICATION_NOT_FOUND', `No verification with id ${id}`);
    if (s.piiRedactedAt) {
      throw new IdentityError('IDENTITY_ERASED', `The identity data of verification ${id} was erased`, {
        erasedAt: new Date(s.piiRedactedAt).toISOString(),
      });
    }
    const ktpData = this.submissions.decryptKtp(s);
    const evidence = this.evidence ? await this.evidence.listForSubmission(id) : [];
    const fields = [
      ...(ktpData ? ['ktpData'] : []),
      ...(s.certificateRegistration ? ['certificateRegistration'] : []),
      ...(evidence.length ? ['evidence'] : []),
    ];
    await this.audit.append([
      {
        actorKind: 'identity',
        actorId: reader.keyRef,
        action: 'identity.read',
        submissionId: s.id,
        detail: { fields, requestId: reader.requestId },
      },
    ]);
    return {
      id: s.id,
      ktpData,
      certificateRegistration: s.certificateRegistration,
      evidence: evidence.map((e) => ({
        kind: e.kind,
        status: e.status,
        contentType: e.contentType,
        size: e.size,
        sha256: e.sha256,
      })),
    };
  }
}
