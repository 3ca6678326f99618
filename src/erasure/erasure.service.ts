// Erasure room: the right to erasure (POST /admin/erasures) and retention by age share this one
// path. In one transaction: the store redacts the verifications (KTP data, NIK blind index, image
// URLs, raw provider payloads of their events, and for an erasure the contacts too), which emits
// `verification.redacted` through the store's change hook; the quarantined callbacks of those
// sessions or naming that user are deleted; the audit log records who, why and which
// verifications. After the commit the evidence archive deletes the stored images (never inside
// the transaction: the store may be S3). Kept: ids, statuses, results, reason codes, times.
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AuditLogRepository } from '../audit/audit-log.repository.js';
import { UnmatchedCallbacksRepository } from '../callbacks/unmatched-callbacks.repository.js';
import { EVIDENCE_CATALOG, EvidencePort } from '../common/evidence-ports.js';
import { Sql } from '../database/sql.js';
import { EventSource } from '../submissions/submission-status.js';
import {
  RedactedRow,
  RedactionTarget,
  SubmissionsRepository,
} from '../submissions/submissions.repository.js';

export interface ErasureRequest {
  userId: string;
  userIdType: string;
  reason: string;
  /** keyId() of the admin key. */
  adminKeyId: string;
  requestId: string;
}

export interface ErasureOutcome {
  userId: string;
  userIdType: string;
  verifications: string[];
  erasedAt: Date;
}

@Injectable()
export class ErasureService {
  private readonly logger = new Logger(ErasureService.name);

  constructor(
    private readonly sql: Sql,
    private readonly submissions: SubmissionsRepository,
    private readonly quarantine: UnmatchedCallbacksRepository,
    private readonly audit: AuditLogRepository,
    @Optional() @Inject(EVIDENCE_CATALOG) private readonly evidence?: EvidencePort,
  ) {}

  /** Erases everything personal of one user. Idempotent: a repeat finds nothing left to erase. */
  async eraseUser(req: ErasureRequest): Promise<ErasureOutcome> {
    const erasedAt = new Date();
    const ids = await this.sql.transaction(async (tx) => {
      const ids = await this.submissions.idsOfUser(req.userId, req.userIdType, { tx });
      const rows = await this.submissions.redact(
        { ids },
        { source: 'admin', detail: { erasure: true, reason: req.reason } },
        { tx, contacts: true },
      );
      const quarantined = await this.quarantine.eraseMatching(
        { sessionIds: ids, userId: req.userId, userIdType: req.userIdType },
        { tx },
      );
      const detail = {
        reason: req.reason,
        userId: req.userId,
        userIdType: req.userIdType,
        requestId: req.requestId,
        verifications: ids.length,
        quarantinedCallbacks: quarantined,
      };
      // One row per verification (so the log's submissionId filter finds it), or one for a user
      // we hold nothing of: the request itself is on record either way.
      await this.audit.append(
        (ids.length ? ids : [null]).map((submissionId) => ({
          actorKind: 'admin' as const,
          actorId: req.adminKeyId,
          action: 'erasure' as const,
          submissionId,
          detail: { ...detail, erased: rows.find((r) => r.id === submissionId) ?? null },
        })),
        { tx },
      );
      return ids;
    });
    await this.eraseEvidence(ids);
    this.logger.log(
      { verifications: ids.length, requestId: req.requestId },
      'personal data erased on request',
    );
    return { userId: req.userId, userIdType: req.userIdType, verifications: ids, erasedAt };
  }

  /**
   * Retention's step: redacts one batch of verifications finished long enough ago (see
   * SubmissionsRepository.redact), then deletes their archived images.
   */
  async redactDue(
    target: Extract<RedactionTarget, { finishedDaysAgo: number }>,
    source: EventSource,
  ): Promise<RedactedRow[]> {
    const rows = await this.submissions.redact(target, {
      source,
      detail: { retentionDays: target.finishedDaysAgo },
    });
    await this.eraseEvidence(rows.map((r) => r.id));
    return rows;
  }

  private async eraseEvidence(ids: string[]): Promise<void> {
    if (!this.evidence || ids.length === 0) return;
    const deleted = await this.evidence.eraseForSubmissions(ids);
    if (deleted > 0) this.logger.log({ deleted }, 'archived images of erased verifications deleted');
  }
}
