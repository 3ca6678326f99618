// What operators see: pages of submissions and quarantined callbacks behind signed cursors, one
// submission's story, and the numbers. Personal data is decrypted only for the rows of the page
// being answered and leaves masked, except through an audited reveal.
import { Injectable, Logger } from '@nestjs/common';
import { AuditLogRepository } from '../audit/audit-log.repository.js';
import { AppConfig } from '../config/app-config.js';
import {
  maskEmail,
  maskKtp,
  maskName,
  maskNik,
  maskPhone,
  maskedContacts,
  maskedIdentity,
  type MaskedForms,
} from '../submissions/pii/masking.js';
import { PiiCipher } from '../submissions/pii/pii-cipher.js';
import {
  PENDING_STATUSES,
  SUBMISSION_RESULTS,
  SUBMISSION_STATUSES,
} from '../submissions/submission-status.js';
import { SubmissionsRepository } from '../submissions/submissions.repository.js';
import {
  CursorCodec,
  CursorFilters,
  CursorKind,
  decodeCursorParam,
  KeysetPosition,
  nextPageCursor,
} from './admin-cursor.js';
import {
  AdminRepository,
  AuditLogRow,
  SubmissionEventRow,
  SubmissionListFilters,
  SubmissionListRow,
  UnmatchedCallbackRow,
} from './admin.repository.js';
import {
  ListUnmatchedCallbacksQueryDto,
  UnmatchedCallbackDto,
  UnmatchedCallbackListDto,
} from './dto/admin-callbacks.dto.js';
import { AdminStatsDto, ReconciliationRunDto } from './dto/admin-stats.dto.js';
import { AuditLogEntryDto, AuditLogListDto, ListAuditLogQueryDto } from './dto/admin-audit-log.dto.js';
import {
  AdminSubmissionDetailDto,
  AdminSubmissionEventDto,
  AdminSubmissionListDto,
  AdminSubmissionListItemDto,
  DEFAULT_PAGE_SIZE,
  ListSubmissionsQueryDto,
} from './dto/admin-submissions.dto.js';
import { rangeEnd, rangeStart } from './dto/query-validators.js';
import { AdminError } from './admin.errors.js';

/** The timeline shows at most this many events (the latest). */
export const MAX_TIMELINE_EVENTS = 1000;
const RECONCILE_JOB = 'reconcile';
const RECONCILE_RUNS_SHOWN = 10;
/** Days of the per-day figures in the stats (today included). */
const STATS_DAYS = 14;
const REASON_CODES_SHOWN = 20;
/** Related verifications (same NIK of another user, same contact) shown with a submission. */
const MAX_RELATED = 50;

/** Who asks to see personal data in clear: written to the audit log before anything is shown. */
export interface RevealRequest {
  adminKeyId: string;
  requestId?: string;
  /** Why, in the operator's words (kept in the audit row). */
  reason?: string;
  /** The console session it came through, when not a bearer key. */
  consoleSessionId?: string;
}

@Injectable()
export class AdminService {
  private readonly logger = new Logger(AdminService.name);
  private readonly cursors: CursorCodec;

  constructor(
    private readonly repo: AdminRepository,
    private readonly submissions: SubmissionsRepository,
    private readonly pii: PiiCipher,
    private readonly audit: AuditLogRepository,
    config: AppConfig,
  ) {
    this.cursors = new CursorCodec(config.pii.blindIndexKey);
  }

  async listSubmissions(q: ListSubmissionsQueryDto): Promise<AdminSubmissionListDto> {
    const filters: SubmissionListFilters = {
      status: q.status,
      result: q.result,
      userId: q.userId,
      userIdType: q.userIdType,
      providerSubmissionId: q.submissionId,
      nikHash: q.nik ? this.pii.blindIndex('nik', q.nik) : undefined,
      createdFrom: q.createdFrom ? rangeStart(q.createdFrom) : undefined,
      createdTo: q.createdTo ? rangeEnd(q.createdTo) : undefined,
    };
    const bound: CursorFilters = { ...filters };
    const after = q.cursor ? this.decodeCursor('submissions', q.cursor, bound) : null;
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    // One row more than the page tells whether another page follows; it is never decrypted.
    const rows = await this.repo.listSubmissions(filters, after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      data: page.map((r) => this.toListItem(r)),
      nextCursor: this.nextCursor('submissions', rows, page, bound),
    };
  }

  /**
   * One submission with its timeline. With `reveal`, the audit record is written first: when it
   * cannot be written, nothing is shown. Also the answer of the forced reconcile (without reveal).
   */
  async submissionDetail(id: string, reveal?: RevealRequest): Promise<AdminSubmissionDetailDto> {
    const s = await this.submissions.findById(id);
    if (!s) throw new AdminError('SUBMISSION_NOT_FOUND', `No submission ${id}`);
    const contacts = this.tryDecrypt(s.id, () => this.submissions.decryptContacts(s));
    const ktp = this.tryDecrypt(s.id, () => this.submissions.decryptKtp(s));
    const images = this.tryDecrypt(s.id, () => this.submissions.decryptImageUrls(s));
    const certificate = s.certificateRegistration;
    if (reveal) {
      const fields = [
        ...(contacts?.phoneNumber ? ['phoneNumber'] : []),
        ...(contacts?.email ? ['email'] : []),
        ...(ktp ? ['ktpData'] : []),
        ...(images ? ['imageUrls'] : []),
        ...(certificate?.onboardingCode ? ['certificateRegistration.onboardingCode'] : []),
      ];
      await this.audit.append([
        {
          actorKind: 'admin',
          actorId: reveal.adminKeyId,
          action: 'reveal',
          submissionId: s.id,
          detail: {
            fields,
            requestId: reveal.requestId ?? null,
            ...(reveal.reason ? { reason: reveal.reason } : {}),
            ...(reveal.consoleSessionId ? { consoleSessionId: reveal.consoleSessionId } : {}),
          },
        },
      ]);
    }
    const [events, related] = await Promise.all([
      this.repo.findEvents(id, MAX_TIMELINE_EVENTS + 1),
      this.repo.relatedVerifications(s.id, s.nikHash, s.contactHash, MAX_RELATED),
    ]);
    const nik = stringOrNull(ktp?.nik);
    const name = stringOrNull(ktp?.name);
    return {
      id: s.id,
      userId: s.userId,
      userIdType: s.userIdType,
      status: s.status,
      result: s.result,
      reasonCode: s.reasonCode,
      providerSubmissionId: s.providerSubmissionId,
      source: s.source,
      contactType: s.contactType,
      phoneNumber: reveal ? (contacts?.phoneNumber ?? null) : maskPhone(contacts?.phoneNumber),
      email: reveal ? (contacts?.email ?? null) : maskEmail(contacts?.email),
      nik: reveal ? nik : maskNik(nik),
      name: reveal ? name : maskName(name),
      hasConflict: s.hasConflict,
      processedAt: iso(s.providerProcessedAt),
      piiRedacted: s.piiRedactedAt !== null,
      createdAt: iso(s.createdAt)!,
      updatedAt: iso(s.updatedAt)!,
      completedAt: iso(s.completedAt),
      userLocale: s.userLocale,
      ktpData: reveal ? ktp : maskKtp(ktp),
      imageUrls: reveal ? images : maskImageUrls(images),
      verificationResult: s.verificationResult,
      certificateRegistration:
        certificate && !reveal && certificate.onboardingCode
          ? { ...certificate, onboardingCode: '***' }
          : certificate,
      initiationError: s.initiationError,
      revealed: !!reveal,
      initiatedAt: iso(s.initiatedAt),
      sdkExpiresAt: iso(s.sdkExpiresAt),
      piiRedactedAt: iso(s.piiRedactedAt),
      lastPolledAt: iso(s.lastPolledAt),
      nextPollAt: iso(s.nextPollAt),
      pollAttempts: s.pollAttempts,
      events: events.slice(-MAX_TIMELINE_EVENTS).map(toEvent),
      eventsTruncated: events.length > MAX_TIMELINE_EVENTS,
      warnings: s.warnings ?? [],
      relatedVerifications: related.map((r) => ({
        id: r.id,
        relation: r.relation,
        userId: r.user_id,
        userIdType: r.user_id_type,
        status: r.status,
        result: r.result,
        createdAt: iso(r.created_at)!,
      })),
    };
  }

  async stats(): Promise<AdminStatsDto> {
    const [counts, runs, quarantined, daily, reasons, deliveries] = await Promise.all([
      this.repo.countSubmissions(),
      this.repo.lastJobRuns(RECONCILE_JOB, RECONCILE_RUNS_SHOWN),
      this.repo.countQuarantinedCallbacks(),
      this.repo.dailyStats(STATS_DAYS),
      this.repo.reasonCodeCounts(REASON_CODES_SHOWN),
      this.repo.webhookDeliveryCounts(),
    ]);
    const byStatus: Record<string, number> = Object.fromEntries(SUBMISSION_STATUSES.map((s) => [s, 0]));
    const byResult: Record<string, number> = Object.fromEntries(SUBMISSION_RESULTS.map((r) => [r, 0]));
    byResult.none = 0;
    let total = 0;
    for (const c of counts.byStatus) {
      byStatus[c.status] = (byStatus[c.status] ?? 0) + c.count;
      byResult[c.result ?? 'none'] = (byResult[c.result ?? 'none'] ?? 0) + c.count;
      total += c.count;
    }
    return {
      total,
      byStatus,
      byResult,
      pending: PENDING_STATUSES.reduce((n, s) => n + byStatus[s], 0),
      oldestPendingCreatedAt: iso(counts.oldestPendingCreatedAt),
      oldestPendingAgeSeconds: counts.oldestPendingAgeSeconds,
      conflicts: counts.conflicts,
      quarantinedCallbacks: quarantined,
      reasonCodes: reasons.map((r) => ({ reasonCode: r.reason_code, count: r.count })),
      perDay: daily.map((d) => ({
        date: d.date,
        created: d.created,
        valid: d.valid,
        invalid: d.invalid,
        rejected: d.rejected,
        failed: d.failed,
        medianSecondsToResult: roundOrNull(d.p50_seconds),
        p90SecondsToResult: roundOrNull(d.p90_seconds),
      })),
      webhookDeliveries: deliveries,
      reconciliationRuns: runs.map((r): ReconciliationRunDto => ({
        id: r.id,
        instanceId: r.instance_id,
        startedAt: iso(r.started_at)!,
        finishedAt: iso(r.finished_at),
        claimed: r.claimed,
        updated: r.updated,
        unchanged: r.unchanged,
        failed: r.failed,
        expired: r.expired,
        durationMs: r.duration_ms,
        error: r.error === null ? null : r.error.slice(0, 500),
      })),
      generatedAt: new Date().toISOString(),
    };
  }

  async unmatchedCallbacks(q: ListUnmatchedCallbacksQueryDto): Promise<UnmatchedCallbackListDto> {
    const includeResolved = q.includeResolved === 'true';

    const bound: CursorFilters = { includeResolved };
    const after = q.cursor ? this.decodeCursor('unmatched-callbacks', q.cursor, bound) : null;
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repo.listUnmatchedCallbacks(includeResolved, after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      data: page.map((r) => this.toUnmatched(r)),
      nextCursor: this.nextCursor('unmatched-callbacks', rows, page, bound),
    };
  }

  /** Who read or erased what, newest first, behind a signed cursor bound to the filters. */
  async auditLog(q: ListAuditLogQueryDto): Promise<AuditLogListDto> {
    const filters = { action: q.action, submissionId: q.submissionId };
    const bound: CursorFilters = { ...filters };
    const after = q.cursor ? this.decodeCursor('audit-log', q.cursor, bound) : null;
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repo.listAuditLog(filters, after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      data: page.map(toAuditEntry),
      nextCursor: this.nextCursor('audit-log', rows, page, bound),
    };
  }

  private toListItem(r: SubmissionListRow): AdminSubmissionListItemDto {
    const masked = r.pii_masked ?? this.maskByDecrypting(r);
    return {
      id: r.id,
      userId: r.user_id,
      userIdType: r.user_id_type,
      status: r.status,
      result: r.result,
      reasonCode: r.reason_code,
      providerSubmissionId: r.provider_submission_id,
      source: r.source,
      contactType: r.contact_type,
      phoneNumber: masked.phoneNumber ?? null,
      email: masked.email ?? null,
      nik: masked.nik ?? null,
      name: masked.name ?? null,
      hasConflict: r.has_conflict,
      piiRedacted: r.pii_redacted_at !== null,
      createdAt: iso(r.created_at)!,
      updatedAt: iso(r.updated_at)!,
      completedAt: iso(r.completed_at),
    };
  }

  /** Rows written before the store kept masked forms: decrypt and mask (NIK and name only of the KTP data). */
  private maskByDecrypting(r: SubmissionListRow): MaskedForms {
    const contacts = this.tryDecrypt(r.id, () =>
      this.submissions.decryptContacts({ contactEnc: r.contact_enc }),
    );
    const ktp = this.tryDecrypt(r.id, () => this.submissions.decryptKtp({ ktpEnc: r.ktp_enc }));
    return {
      ...maskedContacts(contacts ?? {}),
      ...(ktp ? maskedIdentity(ktp) : {}),
    };
  }

  private toUnmatched(r: UnmatchedCallbackRow): UnmatchedCallbackDto {
    const payload = this.tryDecrypt(`unmatched:${r.id}`, () =>
      this.pii.decryptJson<Record<string, any>>(r.payload_enc),
    );
    const ktp = payload?.submissionDetails?.ktpData ?? payload?.ktpData ?? null;
    return {
      id: r.id,
      partnerSessionId: r.partner_session_id,
      submissionId: r.provider_submission_id,
      status: r.status,
      result: r.result,
      source: r.source,
      ktpData: ktp && typeof ktp === 'object' ? maskKtp(ktp) : null,
      receivedAt: iso(r.received_at)!,
      resolvedAt: iso(r.resolved_at),
    };
  }

  private decodeCursor(kind: CursorKind, cursor: string, filters: CursorFilters): KeysetPosition {
    return decodeCursorParam(this.cursors, kind, cursor, filters);
  }

  private nextCursor(
    kind: CursorKind,
    rows: { id: string; sort_at: string }[],
    page: { id: string; sort_at: string }[],
    filters: CursorFilters,
  ): string | null {
    return nextPageCursor(this.cursors, kind, rows, page, filters);
  }

  /** One unreadable row (e.g. a retired key) must not break an operator's page: shown as null. */
  private tryDecrypt<T>(ref: string, decrypt: () => T): T | null {
    try {
      return decrypt();
    } catch (err) {
      this.logger.warn(
        { ref, error: (err as Error).name },
        'personal data could not be decrypted for an admin view',
      );
      return null;
    }
  }
}

function toEvent(e: SubmissionEventRow): AdminSubmissionEventDto {
  return {
    id: e.id,
    type: e.type,
    source: e.source,
    createdAt: iso(e.created_at)!,
    status: e.status,
    result: e.result,
    fromStatus: e.from_status,
    toStatus: e.to_status,
    providerSubmissionId: e.provider_submission_id,
    duplicate: e.duplicate,
    stale: e.stale,
    conflict: e.conflict,
    detail: e.detail,
    hasPayload: e.has_payload,
  };
}

function toAuditEntry(r: AuditLogRow): AuditLogEntryDto {
  return {
    id: r.id,
    action: r.action,
    actorKind: r.actor_kind,
    actorId: r.admin_key_id,
    submissionId: r.submission_id,
    detail: r.detail ?? {},
    createdAt: iso(r.created_at)!,
  };
}

/** Presigned URLs are credentials: keep the origin so an operator sees where the image lives. */
function maskImageUrls(urls: Record<string, string> | null): Record<string, string> | null {
  if (!urls) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(urls)) {
    let origin = '';
    try {
      origin = new URL(String(v)).origin;
    } catch {
      // not a URL: show nothing of it
    }
    out[k] = origin && origin !== 'null' ? `${origin}/***` : '***';
  }
  return out;
}

function roundOrNull(v: number | null): number | null {
  return v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10;
}

function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : v === null || v === undefined ? null : String(v);
}

function iso(d: Date | null | undefined): string | null {
  return d ? new Date(d).toISOString() : null;
}
