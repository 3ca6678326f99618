// Evidence archive: what other rooms and the read routes see. The identity read lists a
// verification's evidence (EVIDENCE_CATALOG port); an erasure deletes its objects; operators and
// identity keys read an archived image, each read written to the audit log before any byte is sent.
import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditActorKind, AuditLogRepository } from '../audit/audit-log.repository.js';
import type { EvidencePort, EvidenceSummary } from '../common/evidence-ports.js';
import { SubmissionsRepository } from '../submissions/submissions.repository.js';
import { EvidenceError } from './evidence.errors.js';
import { EvidenceCipher, EvidenceIntegrityError } from './evidence-cipher.js';
import { EvidenceKind } from './evidence-follow-up.js';
import { EVIDENCE_STORE, EvidenceStore } from './evidence-store.js';
import { EvidenceRepository, EvidenceRow } from './evidence.repository.js';
import { EvidenceMetrics } from './evidence.metrics.js';

export interface EvidenceReader {
  actorKind: Extract<AuditActorKind, 'admin' | 'identity'>;
  /** keyId() of the key. */
  actorId: string;
  requestId: string;
}

export interface EvidenceImage {
  kind: EvidenceKind;
  contentType: string;
  sha256: string;
  bytes: Buffer;
}

/** An operator's view of one evidence row (no key, no URL). */
export interface EvidenceDetail extends EvidenceSummary {
  attempts: number;
  lastError: string | null;
  archivedAt: Date | null;
  erasedAt: Date | null;
  urlExpiresAt: Date | null;
  nextAttemptAt: Date | null;
}

@Injectable()
export class EvidenceCatalog implements EvidencePort {
  private readonly logger = new Logger(EvidenceCatalog.name);

  constructor(
    private readonly repo: EvidenceRepository,
    private readonly submissions: SubmissionsRepository,
    private readonly audit: AuditLogRepository,
    private readonly cipher: EvidenceCipher,
    private readonly metrics: EvidenceMetrics,
    @Inject(EVIDENCE_STORE) private readonly store: EvidenceStore,
  ) {}

  async listForSubmission(submissionId: string): Promise<EvidenceSummary[]> {
    return (await this.repo.listForSubmission(submissionId)).map(summary);
  }

  async detailsForSubmission(submissionId: string): Promise<EvidenceDetail[]> {
    const s = await this.submissions.findById(submissionId);
    if (!s) throw new EvidenceError('EVIDENCE_VERIFICATION_NOT_FOUND', `No submission ${submissionId}`);
    return (await this.repo.listForSubmission(submissionId)).map((r) => ({
      ...summary(r),
      attempts: r.attempts,
      lastError: r.last_error,
      archivedAt: r.archived_at,
      erasedAt: r.erased_at,
      urlExpiresAt: r.url_expires_at,
      nextAttemptAt: r.status === 'PENDING' ? r.next_attempt_at : null,
    }));
  }

  /**
   * Marks these verifications' evidence ERASED (the store's statement normally did already) and
   * deletes the objects. A deletion that fails is left to the archiver's sweep (the row keeps the
   * key until its object is gone); the wrapped data key is dropped with it.
   */
  async eraseForSubmissions(submissionIds: string[]): Promise<number> {
    if (submissionIds.length === 0) return 0;
    await this.repo.markErased(submissionIds);
    let deleted = 0;
    for (const row of await this.repo.objectsToDelete(submissionIds)) {
      try {
        await this.store.delete(row.store_key);
        if (await this.repo.recordObjectDeleted(row.id, row.store_key)) deleted++;
      } catch (err) {
        this.logger.warn(
          { evidenceId: row.id, err: (err as Error).message },
          'evidence object not deleted yet; the archiver will retry',
        );
      }
    }
    this.metrics.objectsDeleted(deleted);
    return deleted;
  }

  /** One archived image, decrypted and checked against its recorded SHA-256; the read is audited first. */
  async read(submissionId: string, kind: EvidenceKind, reader: EvidenceReader): Promise<EvidenceImage> {
    const s = await this.submissions.findById(submissionId);
    if (!s)
      throw new EvidenceError('EVIDENCE_VERIFICATION_NOT_FOUND', `No verification with id ${submissionId}`);
    const row = (await this.repo.listForSubmission(submissionId)).find((r) => r.kind === kind);
    if (s.piiRedactedAt || row?.status === 'ERASED') {
      this.metrics.read('erased');
      throw new EvidenceError(
        'EVIDENCE_ERASED',
        `The ${kind} image of verification ${submissionId} was erased`,
        {
          ...(s.piiRedactedAt ? { erasedAt: new Date(s.piiRedactedAt).toISOString() } : {}),
        },
      );
    }
    if (!row || row.status !== 'ARCHIVED' || !row.store_key || !row.data_key_enc || !row.sha256) {
      this.metrics.read('not_archived');
      throw new EvidenceError(
        'EVIDENCE_NOT_ARCHIVED',
        row
          ? `The ${kind} image of verification ${submissionId} is not archived (status ${row.status})`
          : `Verification ${submissionId} has no ${kind} image`,
        { evidenceStatus: row?.status ?? null },
      );
    }
    let body: Buffer | null;
    try {
      body = await this.store.get(row.store_key);
    } catch (err) {
      this.logger.error({ evidenceId: row.id, err: (err as Error).message }, 'evidence store read failed');
      throw new EvidenceError(
        'EVIDENCE_STORE_UNAVAILABLE',
        'The evidence store did not answer; try again',
        {},
        { 'retry-after': '5' },
      );
    }
    if (!body) {
      this.metrics.read('missing');
      this.logger.error(
        { evidenceId: row.id, submissionId, kind },
        'archived evidence object missing from the store',
      );
      throw new EvidenceError(
        'EVIDENCE_MISSING',
        `The archived ${kind} image of verification ${submissionId} is missing from the store`,
        { evidenceStatus: row.status },
      );
    }
    let bytes: Buffer;
    try {
      bytes = this.cipher.open(body, row.store_key, row.data_key_enc);
      if (createHash('sha256').update(bytes).digest('hex') !== row.sha256) {
        throw new EvidenceIntegrityError('SHA-256 differs from the one recorded');
      }
    } catch (err) {
      this.metrics.read('unreadable');
      this.logger.error(
        { evidenceId: row.id, err: (err as Error).message },
        'archived evidence object unreadable',
      );
      throw new EvidenceError(
        'EVIDENCE_UNREADABLE',
        `The archived ${kind} image of verification ${submissionId} failed its integrity check and is not served`,
        { evidenceStatus: row.status },
      );
    }
    await this.audit.append([
      {
        actorKind: reader.actorKind,
        actorId: reader.actorId,
        action: 'evidence.read',
        submissionId,
        // The kind only: the log outlives an erasure, so it holds nothing derived from the image.
        detail: { kind, requestId: reader.requestId },
      },
    ]);
    this.metrics.read('served');
    return { kind, contentType: row.content_type ?? 'application/octet-stream', sha256: row.sha256, bytes };
  }
}

function summary(r: EvidenceRow): EvidenceSummary {
  return {
    kind: r.kind,
    status: r.status,
    contentType: r.content_type,
    size: r.size,
    sha256: r.sha256 === null ? null : r.sha256.trim(),
  };
}
