// Reconciliation: no submission stays pending because a callback was lost.
//
// One run, on whichever instance its cron fires (many instances share one database):
//   1. rows whose initiation never finished (a crash mid-request) become INITIATION_FAILED;
//   2. due rows are claimed in small batches (FOR UPDATE SKIP LOCKED, next_poll_at pushed out as
//      a lease, one short statement), polled with Get Submission Details OUTSIDE any transaction
//      at background priority (the client's rate limiter keeps ONEKYC_MAX_RPS and leaves partner
//      initiations headroom) with at most RECONCILE_CONCURRENCY calls in flight, and each answer
//      is written back through applyTransition, the only writer of status, then one small UPDATE
//      schedules the next poll (capped exponential backoff, see poll-schedule.ts);
//   3. rows past their SDK token's expiry or SUBMISSION_EXPIRE_AFTER_HOURS become EXPIRED.
// Claiming rounds repeat until nothing is due or the run-time cap is reached. Every run is
// recorded in job_runs and counted in metrics.
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DEFAULT_CLIENT_OPTIONS, OneKycClient } from '../onekyc/onekyc.client.js';
import { OneKycErrorKind, OneKycException } from '../onekyc/onekyc.exception.js';
import type { CallPriority, OneKycSubmissionDetails } from '../onekyc/onekyc.types.js';
import {
  dedupeKey,
  isOurSessionIdFormat,
  providerResultToTransitionInput,
} from '../submissions/provider-result.js';
import type { EventSource } from '../submissions/submission-status.js';
import { SubmissionEntity } from '../submissions/submission.entity.js';
import { ClaimedPoll, SubmissionPollsRepository } from '../submissions/submission-polls.repository.js';
import { EventInput, SubmissionsRepository } from '../submissions/submissions.repository.js';
import { Sql } from '../database/sql.js';
import { emptyRunCounts, JobRuns, RunCounts } from '../jobs/job-runs.js';
import { SingleRun } from '../jobs/single-run.js';
import { forEachBounded } from './bounded.js';
import { decideMatch } from './poll-matching.js';
import {
  deferredPollDelaySeconds,
  nextPollDelaySeconds,
  POLL_SCHEDULE_DEFAULTS,
  PollScheduleOptions,
} from './poll-schedule.js';
import { ReconciliationMetrics, PollOutcome } from './reconciliation.metrics.js';

/** The job's name in job_runs and the run metrics. */
const JOB = 'reconcile';
/** A run stops claiming after this long (the next tick continues); polls get 80 % of it. */
export const RUN_TIME_CAP_MS = 5 * 60_000;
/** Aim for claim batches the rate limit drains in about this long (keeps leases short and fair). */
const TARGET_BATCH_SECONDS = 5;
/** Rows settled by the clock per transaction (each is one applyTransition on a locked row). */
const SETTLE_BATCH = 100;
/** Kinds of failure where the call was never sent: not a poll, and the run should stop claiming. */
const NOT_SENT = new Set([OneKycErrorKind.TEMPORARY_RATE_LIMITED, OneKycErrorKind.TEMPORARY_CIRCUIT_OPEN]);

/**
 * How long a row may sit with its initiation unfinished before it counts as interrupted. An
 * initiation's request can legitimately take a partner-token fetch with its retries (3 x timeout)
 * plus Initiate Flow itself and a token refresh, plus rate-limit waits: 6 x timeout + 60 s covers
 * that with room, so a live request is never declared failed under its feet.
 */
export function stuckInitiationSeconds(timeoutMs: number): number {
  return Math.ceil((6 * timeoutMs) / 1000) + 60;
}

export interface ReconcileRunSummary extends RunCounts {
  runId: string;
  /** Of `expired`: rows whose initiation never finished (INITIATION_FAILED). */
  initiationFailed: number;
  durationMs: number;
  error: string | null;
}

interface PollResult {
  outcome: PollOutcome;
  /** A submission (the asked one or, for other_session, its sibling) changed. */
  changed: boolean;
  /** The provider failure, for reconcileOne to surface. */
  error?: OneKycException;
  /** Not polled after all (shutdown): the row was handed back, due at once. */
  released?: boolean;
}

@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);
  private readonly schedule: PollScheduleOptions;
  private readonly single: SingleRun<ReconcileRunSummary>;

  constructor(
    private readonly config: AppConfig,
    private readonly runs: JobRuns,
    private readonly sql: Sql,
    private readonly submissions: SubmissionsRepository,
    private readonly polls: SubmissionPollsRepository,
    private readonly client: OneKycClient,
    private readonly metrics: ReconciliationMetrics,
  ) {
    runs.declare(JOB);
    this.single = new SingleRun(() => runs.skipped(JOB));
    this.schedule = { afterSeconds: config.reconcile.afterSeconds, ...POLL_SCHEDULE_DEFAULTS };
  }

  /**
   * One reconciliation run. Resolves with its summary, or null when this instance is already
   * running one (runs never overlap on an instance) or is shutting down.
   */
  runOnce(): Promise<ReconcileRunSummary | null> {
    return this.single.start(() => this.run());
  }

  /**
   * Polls the provider about one submission now, due or not (the admin's forced reconcile), and
   * returns the row as it is afterwards; null when the id is unknown. A provider failure is
   * recorded on the timeline and thrown (OneKycException: the problem filter answers 502/503).
   */
  async reconcileOne(id: string, source: EventSource = 'admin'): Promise<SubmissionEntity | null> {
    if (!isOurSessionIdFormat(id)) return null;
    const row = await this.polls.findForPoll(id);
    if (!row) return null;
    const res = await this.pollOne(row, source, 'foreground');
    this.metrics.polled(res.outcome);
    if (res.error) throw res.error;
    return this.submissions.findById(id);
  }

  /** Stops claiming and waits (bounded) for the run in progress to hand its rows back. */
  async shutdown(): Promise<void> {
    const running = this.single.stop();
    if (!running) return;
    const since = performance.now();
    const waitMs = 3 * this.config.onekyc.timeoutMs + 15_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      running.then(
        () => false,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), waitMs))),
    ]);
    clearTimeout(timer);
    if (timedOut)
      this.logger.warn({ waitMs }, 'reconciliation run still busy at shutdown; its leases will expire');
    else
      this.logger.log(
        { waitedMs: Math.round(performance.now() - since) },
        'reconciliation run stopped for shutdown',
      );
  }

  private async run(): Promise<ReconcileRunSummary> {
    const counts = emptyRunCounts();
    let initiationFailed = 0;
    const { runId, durationMs, error } = await this.runs.record(JOB, counts, async () => {
      const hardDeadline = Date.now() + RUN_TIME_CAP_MS;
      const pollDeadline = Date.now() + RUN_TIME_CAP_MS * 0.8;
      initiationFailed = await this.failStuckInitiations(hardDeadline);
      await this.pollDue(counts, pollDeadline);
      const expired = await this.expireOverdue(hardDeadline);
      counts.expired = initiationFailed + expired;
    });
    await this.submissions
      .pendingSummary()
      .then((s) => this.metrics.pendingSummary(s.pending, s.oldestPendingAgeSeconds))
      .catch(() => undefined);
    if (counts.claimed > 0 || counts.expired > 0) {
      this.logger.log(
        { runId, ...counts, initiationFailed, durationMs: Math.round(durationMs) },
        'reconciliation run',
      );
    }
    return { runId, ...counts, initiationFailed, durationMs, error };
  }

  /** Claiming rounds until nothing is due, the deadline passes, or the call budget runs dry. */
  private async pollDue(counts: RunCounts, deadline: number): Promise<void> {
    const { maxRps, timeoutMs } = this.config.onekyc;
    const { batchSize, concurrency } = this.config.reconcile;
    // What background calls may use of ONEKYC_MAX_RPS (the limiter enforces it; this sizes claims).
    const backgroundRps = Math.max(1, Math.floor(maxRps * DEFAULT_CLIENT_OPTIONS.rateLimit.backgroundShare));
    const claimSize = Math.min(batchSize, Math.max(concurrency, backgroundRps * TARGET_BATCH_SECONDS));
    // The lease outlives the batch: its drain time, plus one call's worst case with retries.
    const leaseSeconds = Math.ceil(claimSize / backgroundRps) + Math.ceil((3 * timeoutMs) / 1000) + 15;

    while (!this.single.stopping && Date.now() < deadline) {
      const batch = await this.polls.claimDue(claimSize, leaseSeconds);
      if (batch.length === 0) return;
      counts.claimed += batch.length;
      let budgetDry = false;
      const unstarted = await forEachBounded(
        batch,
        concurrency,
        async (row) => {
          const res = await this.pollSafely(row);
          this.metrics.polled(res.outcome);
          if (res.released) counts.claimed--;
          else if (res.outcome === 'failed' || res.outcome === 'deferred') counts.failed++;
          else if (res.changed) counts.updated++;
          else counts.unchanged++;
          if (res.outcome === 'deferred') budgetDry = true;
        },
        () => this.single.stopping || budgetDry,
      );
      if (unstarted.length > 0) {
        counts.claimed -= unstarted.length;
        await this.polls.releaseClaims(unstarted.map((r) => r.id));
      }
      if (budgetDry) return; // our rate limit is full or the provider is down: the next tick resumes
    }
  }

  /** A poll whose unexpected failure (e.g. the database) is logged, not thrown: the lease expires. */
  private async pollSafely(row: ClaimedPoll): Promise<PollResult> {
    try {
      return await this.pollOne(row, 'reconciliation', 'background');
    } catch (err) {
      this.logger.error({ submissionId: row.id, err: (err as Error).message }, 'poll could not be recorded');
      return { outcome: 'failed', changed: false };
    }
  }

  private async pollOne(row: ClaimedPoll, source: EventSource, priority: CallPriority): Promise<PollResult> {
    let answer: OneKycSubmissionDetails | null;
    try {
      answer = await this.client.getSubmissionDetails(
        { partnerSessionId: row.id, userId: row.userId, userIdType: row.userIdType },
        { priority },
      );
    } catch (err) {
      if (!(err instanceof OneKycException)) throw err;
      if (this.single.stopping && err.isTemporary) {
        // Shutting down (the client may already be closing): not a poll, hand the row back as due.
        await this.polls.releaseClaims([row.id]);
        return { outcome: 'deferred', changed: false, released: true, error: err };
      }
      if (NOT_SENT.has(err.kind)) {
        await this.polls.deferPoll(row.id, deferredPollDelaySeconds(err.retryAfterSeconds));
        return { outcome: 'deferred', changed: false, error: err };
      }
      await this.submissions.recordEvent(row.id, {
        type: 'POLL',
        source,
        detail: { found: null, error: err.toLog() },
      });
      await this.finishPoll(row, row.pollsSinceChange + 1);
      if (!err.isTemporary) {
        this.logger.warn({ submissionId: row.id, ...err.toLog() }, 'provider refused a poll');
      }
      return { outcome: 'failed', changed: false, error: err };
    }

    const owner =
      answer && answer.partnerSessionId !== row.id && isOurSessionIdFormat(answer.partnerSessionId)
        ? await this.polls.findOwner(answer.partnerSessionId)
        : null;
    const decision = decideMatch(row, answer, owner);
    let result: PollResult;
    let pollsSinceChange = row.pollsSinceChange + 1;
    switch (decision.kind) {
      case 'not_found':
        await this.submissions.recordEvent(row.id, { type: 'POLL', source, detail: { found: false } });
        result = { outcome: 'not_found', changed: false };
        break;
      case 'own': {
        const r = await this.submissions.applyTransition(
          row.id,
          providerResultToTransitionInput(answer!, pollEvent(answer!, source)),
        );
        if (r.outcome === 'conflict') {
          this.logger.warn(
            {
              submissionId: row.id,
              status: answer!.status,
              result: answer!.result ?? null,
              reason: r.conflictReason,
            },
            r.conflictReason === 'terminal'
              ? 'poll answer conflicts with the recorded terminal result: recorded and flagged, not applied'
              : "poll answer names another user than the session's (or none): recorded and flagged, not applied",
          );
        }
        if (r.changed) pollsSinceChange = 0;
        result =
          r.outcome === 'conflict' && r.conflictReason !== 'terminal'
            ? { outcome: 'user_conflict', changed: false }
            : { outcome: r.changed ? 'updated' : 'unchanged', changed: r.changed };
        break;
      }
      case 'other_session': {
        const r = await this.submissions.applyTransition(
          decision.submissionId,
          providerResultToTransitionInput(answer!, pollEvent(answer!, source, { askedFor: row.id })),
        );
        await this.submissions.recordEvent(row.id, {
          type: 'POLL',
          source,
          detail: {
            found: true,
            belongsTo: decision.submissionId,
            status: answer!.status,
            result: answer!.result ?? null,
          },
        });
        result = { outcome: 'other_session', changed: r.changed };
        break;
      }
      case 'foreign':
        // Not ours (or not this user's): no payload stored, only what identifies the session.
        await this.submissions.recordEvent(row.id, {
          type: 'POLL',
          source,
          detail: {
            found: true,
            foreignPartnerSessionId: decision.partnerSessionId.slice(0, 200),
            reason: decision.reason,
            status: answer!.status,
            result: answer!.result ?? null,
          },
        });
        result = { outcome: 'foreign', changed: false };
        break;
      case 'invalid':
        await this.submissions.recordEvent(row.id, {
          type: 'POLL',
          source,
          detail: { found: true, invalid: decision.problem },
        });
        this.logger.warn({ submissionId: row.id, problem: decision.problem }, 'poll answer not applicable');
        result = { outcome: 'invalid', changed: false };
        break;
    }
    await this.finishPoll(row, pollsSinceChange);
    return result;
  }

  private finishPoll(row: ClaimedPoll, pollsSinceChange: number): Promise<void> {
    return this.polls.finishPoll(
      row.id,
      nextPollDelaySeconds(pollsSinceChange, this.schedule),
      this.config.reconcile.expireAfterHours,
    );
  }

  /** Rows whose initiation never finished: INITIATION_FAILED, in locked batches. */
  private async failStuckInitiations(deadline: number): Promise<number> {
    const olderThanSeconds = stuckInitiationSeconds(this.config.onekyc.timeoutMs);
    let total = 0;
    while (!this.single.stopping && Date.now() < deadline) {
      const { locked, applied } = await this.sql.transaction(async (tx) => {
        const ids = await this.polls.lockStuckInitiations(tx, SETTLE_BATCH, olderThanSeconds);
        let n = 0;
        for (const id of ids) {
          const r = await this.submissions.applyTransition(
            id,
            {
              status: 'INITIATION_FAILED',
              initiationError: { kind: 'INTERRUPTED', code: null, cause: null, httpStatus: null },
              event: {
                type: 'INITIATION_FAILED',
                source: 'reconciliation',
                detail: { reason: 'initiation_never_finished', olderThanSeconds },
              },
            },
            { tx },
          );
          if (r.changed) n++;
        }
        return { locked: ids.length, applied: n };
      });
      total += applied;
      this.metrics.settled('INITIATION_FAILED', applied);
      if (locked < SETTLE_BATCH || applied === 0) break;
    }
    return total;
  }

  /** Pending rows past their SDK token's expiry or SUBMISSION_EXPIRE_AFTER_HOURS: EXPIRED. */
  private async expireOverdue(deadline: number): Promise<number> {
    const hours = this.config.reconcile.expireAfterHours;
    let total = 0;
    do {
      const { locked, applied } = await this.sql.transaction(async (tx) => {
        const rows = await this.polls.lockExpired(tx, SETTLE_BATCH, hours);
        let n = 0;
        for (const row of rows) {
          const r = await this.submissions.applyTransition(
            row.id,
            {
              status: 'EXPIRED',
              event: {
                type: 'EXPIRED',
                source: 'reconciliation',
                detail: row.tokenExpired
                  ? { reason: 'sdk_token_expired' }
                  : { reason: 'max_age', expireAfterHours: hours },
              },
            },
            { tx },
          );
          if (r.changed) n++;
        }
        return { locked: rows.length, applied: n };
      });
      total += applied;
      this.metrics.settled('EXPIRED', applied);
      if (locked < SETTLE_BATCH || applied === 0) break;
    } while (!this.single.stopping && Date.now() < deadline);
    return total;
  }
}

function pollEvent(
  answer: OneKycSubmissionDetails,
  source: EventSource,
  extra: Record<string, unknown> = {},
): EventInput {
  return {
    type: 'POLL',
    source,
    payload: answer,
    dedupeKey: dedupeKey(answer),
    detail: { found: true, status: answer.status, result: answer.result ?? null, ...extra },
  };
}
