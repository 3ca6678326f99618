// Starting a Standalone Identity Verification for a partner's user.
//
// Write order that loses nothing: the submission row exists before the provider is called and is
// finished after (INITIATED with its expiry, or INITIATION_FAILED with the provider's cause). A
// crash in between leaves a row that reconciliation settles.
//
// Ambiguous provider failures (timeout, 5xx, reset: the request may have taken effect, see
// onekyc.client.ts) are not repeated with the same x-partner-session-id: the provider would answer
// DUPLICATE_PARTNER_SESSION_ID without the token. Instead the row is closed as INITIATION_FAILED
// (recorded with `ambiguous: true` and the id of its replacement, never silently dropped) and ONE
// fresh submission with a new session id is initiated, so the user still gets a token. A session
// the provider may have opened for the first attempt is harmless: nobody holds its token.
import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { OneKycClient } from '../onekyc/onekyc.client.js';
import { OneKycException } from '../onekyc/onekyc.exception.js';
import { InitiateFlowResult } from '../onekyc/onekyc.types.js';
import { SubmissionsRepository } from '../submissions/submissions.repository.js';
import { SubmissionEntity } from '../submissions/submission.entity.js';
import { partnerVisibleResult } from '../submissions/submission-status.js';
import type { Caller } from '../partner-auth/caller.js';
import { mayRead, UserRef } from '../partner-auth/caller-scope.js';
import { CreateVerificationDto } from './dto/create-verification.dto.js';
import { VerificationCreatedDto, VerificationDto } from './dto/verification.response.js';
import { IdempotencyRepository, requestHash } from './idempotency.repository.js';
import { validationProblem } from '../common/validation.js';
import { FlowsError } from './flows.errors.js';

const IDEMPOTENCY_POLL_MS = 100;

/** A create request whose user is settled (named by a key caller, or taken from the end-user token). */
export type ScopedCreateRequest = CreateVerificationDto & UserRef;

@Injectable()
export class FlowsService {
  private readonly logger = new Logger(FlowsService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly submissions: SubmissionsRepository,
    private readonly client: OneKycClient,
    private readonly idempotency: IdempotencyRepository,
  ) {}

  /** POST /v1/verifications, with an optional Idempotency-Key scoped to the API key. */
  async create(
    dto: ScopedCreateRequest,
    apiKeyId: string,
    idempotencyKey?: string,
  ): Promise<VerificationCreatedDto> {
    this.checkSourceRules(dto);
    if (!idempotencyKey) return this.initiate(dto);

    const hash = requestHash(dto);
    // A repeat waits for the first request's answer at most as long as that request may take.
    const waitBudgetMs = 2 * this.config.onekyc.timeoutMs + 2000;
    const deadline = Date.now() + waitBudgetMs;
    for (;;) {
      const claim = await this.idempotency.claim(apiKeyId, idempotencyKey, hash, waitBudgetMs + 5000);
      if (claim.kind === 'replay') return claim.body as VerificationCreatedDto;
      if (claim.kind === 'mismatch') {
        throw new FlowsError(
          'IDEMPOTENCY_KEY_REUSED',
          'Idempotency-Key was already used with a different request body',
        );
      }
      if (claim.kind === 'claimed') break;
      if (Date.now() >= deadline) {
        throw new FlowsError(
          'IDEMPOTENCY_IN_PROGRESS',
          'A request with this Idempotency-Key is still in progress; retry later',
          {},
          { 'retry-after': '1' },
        );
      }
      await new Promise((r) => setTimeout(r, IDEMPOTENCY_POLL_MS));
    }
    try {
      const created = await this.initiate(dto);
      await this.idempotency.complete(apiKeyId, idempotencyKey, 201, created, created.id);
      return created;
    } catch (err) {
      await this.idempotency.release(apiKeyId, idempotencyKey).catch(() => undefined);
      throw err;
    }
  }

  /** Another user's verification reads exactly like a missing one (ids cannot be probed). */
  async get(id: string, caller: Caller): Promise<VerificationDto> {
    const s = await this.submissions.findById(id);
    if (!s || !mayRead(caller, s))
      throw new FlowsError('VERIFICATION_NOT_FOUND', `No verification with id ${id}`);
    return toVerificationDto(s);
  }

  async listForUser(userId: string, userIdType: string): Promise<VerificationDto[]> {
    return (await this.submissions.findByUser(userId, userIdType)).map(toVerificationDto);
  }

  /** Rules that depend on the request's source (the body's, else ONEKYC_SOURCE). */
  private checkSourceRules(dto: ScopedCreateRequest): void {
    const source = dto.source ?? this.config.onekyc.source;
    const errors =
      source === 'WEB_SDK'
        ? (['successRedirectionUrl', 'failureRedirectionUrl'] as const)
            .filter((f) => !dto[f])
            .map((field) => ({ field, message: `${field} is required when the source is WEB_SDK` }))
        : (['allowQr', 'forceQr'] as const)
            .filter((f) => dto[f] !== undefined)
            .map((field) => ({
              field,
              message: `${field} is for the web flow only (source WEB_SDK); this request's source is SDK`,
            }));
    if (errors.length) {
      throw validationProblem(errors);
    }
  }

  private async initiate(
    dto: ScopedCreateRequest,
    retryOf?: string,
    newId?: string,
  ): Promise<VerificationCreatedDto> {
    // While the breaker is open the call would not be sent: answer 503 at once and write no row
    // (a provider outage must not fill the table with partner retries).
    if (!retryOf) this.client.assertAvailable('initiateFlow');
    const id = newId ?? randomUUID();
    const userIdType = dto.userIdType ?? 'USER_ID';
    const userLocale = dto.userLocale ?? 'id_ID';
    const source = dto.source ?? this.config.onekyc.source;
    const row = await this.submissions.createForInitiation({
      id,
      userId: dto.userId,
      userIdType,
      contacts: { phoneNumber: dto.phoneNumber, email: dto.email },
      source,
      userLocale,
    });
    const input = {
      partnerSessionId: id,
      userId: dto.userId,
      userIdType,
      source,
      phoneNumber: dto.phoneNumber,
      email: dto.email,
      verification: dto.verification,
      userLocale,
      successRedirectionUrl: dto.successRedirectionUrl,
      failureRedirectionUrl: dto.failureRedirectionUrl,
      allowQr: dto.allowQr,
      forceQr: dto.forceQr,
    };

    let result: InitiateFlowResult;
    try {
      result = await this.client.initiateFlow(input);
    } catch (err) {
      const e = err instanceof OneKycException ? err : undefined;
      const replaceWith = !retryOf && e?.ambiguous ? randomUUID() : undefined;
      await this.submissions.applyTransition(
        id,
        {
          status: 'INITIATION_FAILED',
          initiationError: {
            kind: e?.kind ?? 'INTERNAL',
            code: e?.code ?? null,
            cause: e?.providerCause ?? null,
            httpStatus: e?.httpStatus ?? null,
          },
          event: {
            type: 'INITIATION_FAILED',
            source: 'api',
            detail: {
              kind: e?.kind ?? 'INTERNAL',
              code: e?.code,
              cause: e?.providerCause,
              ambiguous: e?.ambiguous,
              retryOf,
              replacedBy: replaceWith,
            },
          },
        },
        { assumed: row.state },
      );
      if (replaceWith) {
        this.logger.warn(
          { submissionId: id, replacedBy: replaceWith, kind: e?.kind },
          'initiation outcome unknown; starting a fresh session',
        );
        return this.initiate(dto, id, replaceWith);
      }
      throw err;
    }

    await this.submissions.markInitiated(
      id,
      result.expiresAt,
      { expirySeconds: result.expirySeconds, retryOf },
      row.state,
    );
    return {
      id,
      status: 'INITIATED',
      ...(result.sdkToken !== undefined ? { sdkToken: result.sdkToken } : {}),
      ...(result.launchUrl !== undefined ? { launchUrl: result.launchUrl } : {}),
      expiresAt: result.expiresAt ? result.expiresAt.toISOString() : null,
      createdAt: new Date(row.createdAt).toISOString(),
    };
  }
}

export function toVerificationDto(s: SubmissionEntity): VerificationDto {
  return {
    id: s.id,
    userId: s.userId,
    userIdType: s.userIdType,
    source: s.source,
    status: s.status,
    result: partnerVisibleResult(s.status, s.result),
    reasonCode: s.reasonCode,
    verificationResult: s.verificationResult,
    warnings: s.warnings ?? [],
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    completedAt: s.completedAt ? s.completedAt.toISOString() : null,
  };
}
