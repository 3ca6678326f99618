// Callback ingestion: the store's applyTransition records the raw event and applies its effect in
// one conditional statement (no transaction held across round trips), or the callback is
// quarantined when the session was never ours. The controller answers 200 only after this
// resolves, i.e. after the commit; nothing slow (no outbound call) runs here.
import { Injectable, Logger } from '@nestjs/common';
import {
  dedupeKey,
  isOurSessionIdFormat,
  providerResultToTransitionInput,
} from '../submissions/provider-result.js';
import { SubmissionsRepository, TransitionInput } from '../submissions/submissions.repository.js';
import type { CallbackBody } from './callback-body.pipe.js';
import { CallbackMetrics, CallbackOutcome } from './callback-metrics.js';
import { UnmatchedCallbacksRepository } from './unmatched-callbacks.repository.js';

export type IngestOutcome = Extract<
  CallbackOutcome,
  'applied' | 'duplicate' | 'stale' | 'conflict' | 'user_conflict' | 'incomplete' | 'unknown' | 'signing'
>;

/** A signing callback of the e-signing product, delivered to the same URL: told apart by `callbackType`. */
export function isSigningCallback(body: Record<string, unknown>): boolean {
  return Object.hasOwn(body, 'callbackType');
}

@Injectable()
export class CallbacksService {
  private readonly logger = new Logger(CallbacksService.name);

  constructor(
    private readonly submissions: SubmissionsRepository,
    private readonly unmatched: UnmatchedCallbacksRepository,
    private readonly metrics: CallbackMetrics,
  ) {}

  /** Resolves once the event and its effect are committed; rejects (→ 5xx, provider retries) otherwise. */
  async ingest(body: CallbackBody): Promise<IngestOutcome> {
    let outcome: IngestOutcome;
    try {
      outcome = isOurSessionIdFormat(body.partnerSessionId)
        ? await this.applyOrQuarantine(body)
        : await this.quarantine(body);
    } catch (err) {
      this.metrics.count('error');
      throw err;
    }
    this.metrics.count(outcome);
    // Successes are not logged (hot path); what an operator must look at is, with ids only.
    if (outcome === 'unknown') {
      this.logger.warn(
        { partnerSessionId: body.partnerSessionId.slice(0, 64), status: body.status },
        'callback for a session we never issued: quarantined for operators',
      );
    } else if (outcome === 'conflict') {
      this.logger.warn(
        { id: body.partnerSessionId, status: body.status, result: body.result ?? null },
        'callback conflicts with the recorded terminal result: recorded and flagged, not applied',
      );
    } else if (outcome === 'user_conflict') {
      this.logger.warn(
        { id: body.partnerSessionId, status: body.status },
        "callback names another user than the session's (or none): recorded and flagged, not applied",
      );
    }
    return outcome;
  }

  /**
   * A signing callback (`callbackType` USER_BASIS / DOCUMENT_BASIS): never a KYC result. Kept on
   * the session's timeline when it names one of ours (event detail `signing`), else in the
   * quarantine with source `signing`; answered 200 either way so the provider does not retry.
   */
  async ingestSigning(body: Record<string, unknown>): Promise<'signing'> {
    try {
      const sessionId = typeof body.partnerSessionId === 'string' ? body.partnerSessionId : '';
      const callbackType = String(body.callbackType).slice(0, 64);
      const kept =
        isOurSessionIdFormat(sessionId) &&
        (await this.submissions.recordEventIfExists(sessionId, {
          type: 'CALLBACK',
          source: 'callback',
          status: null,
          detail: { signing: callbackType },
          payload: body,
        }));
      if (!kept) await this.unmatched.quarantineSigning(body, callbackType);
    } catch (err) {
      this.metrics.count('error');
      throw err;
    }
    this.metrics.count('signing');
    return 'signing';
  }

  private async applyOrQuarantine(body: CallbackBody): Promise<IngestOutcome> {
    const r = await this.submissions.applyTransition(body.partnerSessionId, toTransitionInput(body));
    if (r.outcome === 'not_found') return this.quarantine(body);
    if (r.outcome === 'conflict' && r.conflictReason !== 'terminal') return 'user_conflict';
    return r.outcome;
  }

  private async quarantine(body: CallbackBody): Promise<'unknown'> {
    await this.unmatched.quarantine(body);
    return 'unknown';
  }
}

/** A result callback as the store's observation: a CALLBACK event keeping the body, de-duplicated. */
export function toTransitionInput(body: CallbackBody): TransitionInput {
  return providerResultToTransitionInput(body, {
    type: 'CALLBACK',
    source: 'callback',
    payload: body,
    dedupeKey: dedupeKey(body),
  });
}
