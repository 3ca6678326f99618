// The control API under /sandbox: the sandbox plays the end user (finishing capture) and the
// provider's back office (results, callbacks, token revocation), and exposes fault settings and
// statistics. Unauthenticated by design: the sandbox listens on loopback unless told otherwise.
// Errors here are plain `{ "error": "..." }` (this is not the provider's API).
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  OneKycSubmissionResult,
  OneKycSubmissionStatus,
  SUBMISSION_RESULTS,
  SUBMISSION_STATUSES,
  KtpData,
  VerificationResult,
} from '../onekyc/onekyc.types.js';
import { applyFaultsPatch, callbackMethodOf, SandboxConfigError } from './sandbox.config.js';
import type { SandboxContext } from './sandbox-context.js';
import { defaultReasonCode, syntheticKtp, verificationFor } from './sandbox-data.js';
import { randomUuid } from './sandbox-random.js';
import { callbackBody, SandboxSession, SandboxSubmission, tokenLabel } from './sandbox-store.js';

const MAX_SEED = 100_000;

class BadRequest extends Error {}

interface Outcome {
  status: OneKycSubmissionStatus;
  result?: OneKycSubmissionResult;
  reasonCode: string | null;
  verificationResult?: VerificationResult;
  ktpData?: Partial<KtpData>;
  reportedUserId?: string | null;
  reportedUserIdType?: string | null;
  eligibleToActivateUnder: SandboxSubmission['eligibleToActivateUnder'];
  eligibleToActivate: boolean;
}

export function registerControlRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.get('/sandbox', async () => ({
    name: 'OneKYC sandbox',
    provider: [
      'GET /v1/esign/partner/authentication',
      'POST /esign-partner/v1/initiate-flow',
      'GET /esign-partner/v1/submissions',
    ],
    control: [
      'GET|PATCH /sandbox/settings',
      'GET|PATCH|DELETE /sandbox/faults',
      'GET /sandbox/tokens',
      'POST /sandbox/tokens/revoke',
      'GET /sandbox/sessions/:partnerSessionId',
      'POST /sandbox/sessions/:partnerSessionId/complete',
      'POST /sandbox/signing-callbacks',
      'POST /sandbox/seed',
      'GET /sandbox/stats',
      'POST /sandbox/stats/reset',
      'GET /sandbox/polls',
      'GET /sandbox/callbacks',
      'POST /sandbox/callbacks/wait-idle',
      'POST /sandbox/reset',
    ],
  }));

  app.get('/sandbox/settings', async () => settingsView(ctx));
  app.patch('/sandbox/settings', async (req, reply) =>
    guard(reply, () => {
      const b = object(req.body, 'body');
      for (const key of Object.keys(b)) {
        if (
          ![
            'callbackUrl',
            'callbackMethod',
            'callbackAuthHeader',
            'callbackAuthValue',
            'onboardingPartnerHeader',
            'onboardingPartners',
          ].includes(key)
        ) {
          throw new BadRequest(`${key} is not a setting`);
        }
      }
      const next = { ...ctx.target };
      if ('callbackUrl' in b) {
        if (b.callbackUrl !== null && !isHttpUrl(b.callbackUrl))
          throw new BadRequest('callbackUrl must be an http(s) URL or null');
        next.callbackUrl = (b.callbackUrl as string | null) ?? undefined;
      }
      if ('callbackMethod' in b) {
        next.callbackMethod =
          callbackMethodOf(String(b.callbackMethod), 'callbackMethod') ?? next.callbackMethod;
      }
      if ('callbackAuthHeader' in b) {
        if (typeof b.callbackAuthHeader !== 'string' || !/^[A-Za-z0-9-]+$/.test(b.callbackAuthHeader)) {
          throw new BadRequest('callbackAuthHeader must be a header name');
        }
        next.callbackAuthHeader = b.callbackAuthHeader.toLowerCase();
      }
      if ('callbackAuthValue' in b) {
        if (b.callbackAuthValue !== null && typeof b.callbackAuthValue !== 'string') {
          throw new BadRequest('callbackAuthValue must be a string or null');
        }
        next.callbackAuthValue = (b.callbackAuthValue as string | null) ?? undefined;
      }
      if ('onboardingPartnerHeader' in b) {
        const v = b.onboardingPartnerHeader;
        if (v !== 'both' && v !== 'x-esign-onboarding-partner' && v !== 'x-onboarding-partner') {
          throw new BadRequest(
            'onboardingPartnerHeader must be both, x-esign-onboarding-partner or x-onboarding-partner',
          );
        }
        ctx.onboardingPartnerHeader = v;
      }
      if ('onboardingPartners' in b) {
        const v = object(b.onboardingPartners, 'onboardingPartners');
        for (const [source, value] of Object.entries(v)) {
          if (source !== 'SDK' && source !== 'WEB_SDK')
            throw new BadRequest(`onboardingPartners.${source} is not a source (SDK, WEB_SDK)`);
          if (typeof value !== 'string' || value.trim() === '')
            throw new BadRequest(`onboardingPartners.${source} must be a non-empty string`);
        }
        ctx.onboardingPartners = { ...ctx.onboardingPartners, ...(v as Record<string, string>) };
      }
      ctx.target = next;
      return settingsView(ctx);
    }),
  );

  app.get('/sandbox/faults', async () => ctx.faults);
  app.patch('/sandbox/faults', async (req, reply) =>
    guard(reply, () => {
      ctx.faults = applyFaultsPatch(ctx.faults, req.body ?? {});
      return ctx.faults;
    }),
  );
  app.delete('/sandbox/faults', async () => {
    ctx.faults = structuredClone(ctx.initialFaults);
    return ctx.faults;
  });

  app.get('/sandbox/tokens', async () => ({
    tokens: [...ctx.store.tokens.values()].map((t) => ({
      label: tokenLabel(t.token),
      issuedAt: new Date(t.issuedAtMs).toISOString(),
      expiresAt: new Date(t.expiresAtMs).toISOString(),
      revoked: t.revoked,
    })),
  }));
  app.post('/sandbox/tokens/revoke', async () => ({ revoked: ctx.store.revokeTokens() }));

  app.get<{ Params: { id: string } }>('/sandbox/sessions/:id', async (req, reply) => {
    const session = ctx.store.sessions.get(req.params.id);
    if (!session) return reply.code(404).send({ error: 'no such session' });
    const sub = session.submissionId ? ctx.store.submissions.get(session.submissionId) : undefined;
    return {
      session: {
        partnerSessionId: session.partnerSessionId,
        userId: session.userId,
        userIdType: session.userIdType,
        source: session.source,
        createdAt: new Date(session.createdAtMs).toISOString(),
        expiresAt: new Date(session.expiresAtMs).toISOString(),
        seeded: session.seeded,
        request: session.request ?? null,
      },
      submission: sub ? callbackBody(sub) : null,
    };
  });

  app.post<{ Params: { id: string } }>('/sandbox/sessions/:id/complete', async (req, reply) =>
    guardAsync(reply, async () => {
      const b = object(req.body ?? {}, 'body');
      let session = ctx.store.sessions.get(req.params.id);
      if (!session) {
        // A session we never saw: allowed when the caller names the user (tests of unknown sessions).
        if (typeof b.userId !== 'string' || typeof b.userIdType !== 'string') {
          return reply.code(404).send({ error: 'no such session (give userId and userIdType to create it)' });
        }
        session = newSession(req.params.id, b.userId, b.userIdType);
        ctx.store.sessions.set(session.partnerSessionId, session);
      }
      const sub = submit(ctx, session, outcomeOf(b));
      const delivery =
        b.deliver === false
          ? { sent: false, reason: 'not-requested', attempts: [] }
          : await ctx.callbacks.dispatch(sub, b.wait !== false);
      return { submission: callbackBody(sub), delivery, ...redirectOf(session, sub) };
    }),
  );

  app.post('/sandbox/signing-callbacks', async (req, reply) =>
    guardAsync(reply, async () => {
      const b = object(req.body ?? {}, 'body');
      if (b.callbackType !== 'USER_BASIS' && b.callbackType !== 'DOCUMENT_BASIS')
        throw new BadRequest('callbackType must be USER_BASIS or DOCUMENT_BASIS');
      const fields = b.fields === undefined ? {} : object(b.fields, 'fields');
      let who: Record<string, unknown> = {};
      if (b.partnerSessionId !== undefined) {
        const session = ctx.store.sessions.get(String(b.partnerSessionId));
        if (!session) return reply.code(404).send({ error: 'no such session' });
        who = {
          ...(session.submissionId ? { submissionId: session.submissionId } : {}),
          partnerSessionId: session.partnerSessionId,
          userId: session.userId,
          userIdType: session.userIdType,
        };
      }
      // The provider's signing product documents no body here: the fields it would need to be
      // told apart from a result (callbackType) and to be tied to a user, overridable by `fields`.
      const body = {
        callbackType: b.callbackType,
        ...who,
        status: 'SUCCESS',
        ...(b.callbackType === 'DOCUMENT_BASIS' ? { documentId: randomUuid(ctx.dataRandom) } : {}),
        processedAt: new Date().toISOString(),
        ...fields,
      };
      const delivery = await ctx.callbacks.dispatchBody(body, b.wait !== false);
      return { body, delivery };
    }),
  );

  app.post('/sandbox/seed', async (req, reply) =>
    guard(reply, () => {
      const b = object(req.body ?? {}, 'body');
      const outcome = outcomeOf(b);
      const targets: { partnerSessionId: string; userId: string; userIdType: string }[] = [];
      if (b.sessions !== undefined) {
        if (!Array.isArray(b.sessions) || b.sessions.length > MAX_SEED) {
          throw new BadRequest(`sessions must be a list of at most ${MAX_SEED}`);
        }
        for (const [i, s] of b.sessions.entries()) {
          const o = object(s, `sessions[${i}]`);
          if (
            typeof o.partnerSessionId !== 'string' ||
            typeof o.userId !== 'string' ||
            typeof o.userIdType !== 'string'
          ) {
            throw new BadRequest(`sessions[${i}] needs partnerSessionId, userId and userIdType strings`);
          }
          targets.push({ partnerSessionId: o.partnerSessionId, userId: o.userId, userIdType: o.userIdType });
        }
      }
      if (b.pending === true) {
        for (const s of ctx.store.sessions.values()) if (!s.submissionId) targets.push(s);
      }
      if (b.count !== undefined) {
        if (typeof b.count !== 'number' || !Number.isInteger(b.count) || b.count < 0 || b.count > MAX_SEED) {
          throw new BadRequest(`count must be an integer from 0 to ${MAX_SEED}`);
        }
        const prefix = typeof b.userIdPrefix === 'string' ? b.userIdPrefix : 'seed-user-';
        const userIdType = typeof b.userIdType === 'string' ? b.userIdType : 'USER_ID';
        for (let i = 0; i < b.count; i++) {
          targets.push({
            partnerSessionId: randomUuid(ctx.dataRandom),
            userId: `${prefix}${randomUuid(ctx.dataRandom).slice(0, 8)}-${i}`,
            userIdType,
          });
        }
      }
      const out: { partnerSessionId: string; userId: string; userIdType: string; submissionId: string }[] =
        [];
      for (const t of targets) {
        let session = ctx.store.sessions.get(t.partnerSessionId);
        if (!session) {
          session = newSession(t.partnerSessionId, t.userId, t.userIdType);
          ctx.store.sessions.set(session.partnerSessionId, session);
        }
        const sub = submit(ctx, session, outcome);
        out.push({
          partnerSessionId: sub.partnerSessionId,
          userId: sub.userId,
          userIdType: sub.userIdType,
          submissionId: sub.submissionId,
        });
      }
      return { completed: out.length, ...(b.returnIds === false ? {} : { submissions: out }) };
    }),
  );

  app.get('/sandbox/stats', async () => ctx.store.stats.toJSON(ctx.callbacks.pending));
  app.post('/sandbox/stats/reset', async () => {
    ctx.store.stats.reset();
    return ctx.store.stats.toJSON(ctx.callbacks.pending);
  });
  app.get('/sandbox/polls', async () => {
    const bySession = Object.fromEntries(ctx.store.stats.pollsBySession);
    return { total: ctx.store.stats.calls.submissions, bySession };
  });

  app.get('/sandbox/callbacks', async () => ({ pending: ctx.callbacks.pending, log: ctx.callbacks.log }));
  app.post('/sandbox/callbacks/wait-idle', async (req, reply) =>
    guardAsync(reply, async () => {
      const b = object(req.body ?? {}, 'body');
      const timeoutMs = b.timeoutMs ?? 10_000;
      if (typeof timeoutMs !== 'number' || timeoutMs < 0 || timeoutMs > 600_000) {
        throw new BadRequest('timeoutMs must be a number of ms up to 600000');
      }
      const idle = await ctx.callbacks.waitIdle(timeoutMs);
      return { idle, pending: ctx.callbacks.pending };
    }),
  );

  app.post('/sandbox/reset', async () => {
    ctx.callbacks.cancelAll();
    ctx.store.clear();
    ctx.faults = structuredClone(ctx.initialFaults);
    return { reset: true };
  });

  app.get<{ Params: { id: string } }>('/sandbox/web-sdk/:id', async (req, reply) => {
    const session = ctx.store.sessions.get(req.params.id);
    if (!session || Date.now() >= session.expiresAtMs)
      return reply.code(404).type('text/plain').send('Unknown or expired session');
    return reply
      .type('text/html; charset=utf-8')
      .send(
        '<!doctype html><title>OneKYC sandbox</title><h1>OneKYC sandbox web SDK</h1>' +
          '<p>This page stands in for the KTP and selfie capture. Finish the session with ' +
          '<code>POST /sandbox/sessions/&lt;partnerSessionId&gt;/complete</code>.</p>',
      );
  });
}

/** Where the hosted web flow would send the user back: a hint for the partner, never a result. */
function redirectOf(session: SandboxSession, sub: SandboxSubmission): { redirect?: string } {
  const r = session.request;
  if (session.source !== 'WEB_SDK' || !r?.successRedirectionUrl || !r.failureRedirectionUrl) return {};
  if (sub.status === 'IN_PROGRESS') return {};
  const failed = sub.status === 'ERROR' || (sub.result !== undefined && sub.result !== 'VALID');
  const url = new URL(failed ? r.failureRedirectionUrl : r.successRedirectionUrl);
  url.searchParams.set('status', failed ? 'FAILED' : 'SUCCESS');
  url.searchParams.set('partner_session_id', session.partnerSessionId);
  if (failed) url.searchParams.set('error_code', sub.reasonCode ?? 'SYSTEM_ERROR');
  return { redirect: url.toString() };
}

function newSession(partnerSessionId: string, userId: string, userIdType: string): SandboxSession {
  const now = Date.now();
  return {
    partnerSessionId,
    userId,
    userIdType,
    source: 'SDK',
    createdAtMs: now,
    expiresAtMs: now + 60 * 24 * 3600 * 1000,
    seeded: true,
  };
}

/** Moves a session's submission to a new state (same submissionId and person across states). */
function submit(ctx: SandboxContext, session: SandboxSession, o: Outcome): SandboxSubmission {
  const previous = session.submissionId ? ctx.store.submissions.get(session.submissionId) : undefined;
  const ktpData = { ...(previous?.ktpData ?? syntheticKtp(ctx.dataRandom)), ...o.ktpData } as KtpData;
  const now = Date.now();
  const sub: SandboxSubmission = {
    submissionId: previous?.submissionId ?? randomUuid(ctx.dataRandom),
    partnerSessionId: session.partnerSessionId,
    userId: session.userId,
    userIdType: session.userIdType,
    status: o.status,
    result: o.result,
    reasonCode: o.reasonCode,
    verificationResult: o.verificationResult ?? verificationFor(o.status, o.result, o.reasonCode),
    ktpData,
    imageBaseUrl: ctx.baseUrl,
    imageKey: ctx.imageKey,
    imageExpires: Math.floor(now / 1000) + ctx.faults.images.lifetimeSeconds,
    processedAtMs: now,
    reportedUserId: o.reportedUserId,
    reportedUserIdType: o.reportedUserIdType,
    eligibleToActivateUnder: o.eligibleToActivateUnder,
    eligibleToActivate: o.eligibleToActivate,
  };
  ctx.store.putSubmission(sub);
  return sub;
}

function outcomeOf(b: Record<string, unknown>): Outcome {
  const status = (b.status ?? 'COMPLETED') as OneKycSubmissionStatus;
  if (!SUBMISSION_STATUSES.includes(status))
    throw new BadRequest(`status must be one of ${SUBMISSION_STATUSES.join(', ')}`);
  let result = b.result as OneKycSubmissionResult | undefined;
  if (result === undefined && status === 'COMPLETED') result = 'VALID';
  if (result !== undefined && !SUBMISSION_RESULTS.includes(result)) {
    throw new BadRequest(`result must be one of ${SUBMISSION_RESULTS.join(', ')}`);
  }
  if (b.reasonCode !== undefined && b.reasonCode !== null && typeof b.reasonCode !== 'string') {
    throw new BadRequest('reasonCode must be a string or null');
  }
  const reasonCode =
    b.reasonCode === undefined ? defaultReasonCode(status, result) : (b.reasonCode as string | null);
  const verificationResult =
    b.verificationResult === undefined
      ? undefined
      : (object(b.verificationResult, 'verificationResult') as VerificationResult);
  const ktpData = b.ktpData === undefined ? undefined : (object(b.ktpData, 'ktpData') as Partial<KtpData>);
  for (const f of ['resultUserId', 'resultUserIdType']) {
    if (b[f] !== undefined && b[f] !== null && (typeof b[f] !== 'string' || b[f] === ''))
      throw new BadRequest(`${f} must be a non-empty string (another user) or null (none)`);
  }
  const under = b.eligibleToActivateUnder ?? 'certificateRegistration';
  if (under !== 'certificateRegistration' && under !== 'submissionDetails')
    throw new BadRequest('eligibleToActivateUnder must be certificateRegistration or submissionDetails');
  if (b.eligibleToActivate !== undefined && typeof b.eligibleToActivate !== 'boolean')
    throw new BadRequest('eligibleToActivate must be a boolean');
  return {
    status,
    result,
    reasonCode,
    verificationResult,
    ktpData,
    reportedUserId: b.resultUserId as string | null | undefined,
    reportedUserIdType: b.resultUserIdType as string | null | undefined,
    eligibleToActivateUnder: under,
    eligibleToActivate: (b.eligibleToActivate as boolean | undefined) ?? true,
  };
}

function settingsView(ctx: SandboxContext) {
  return {
    clientId: ctx.clientId,
    onboardingPartners: ctx.onboardingPartners,
    onboardingPartnerHeader: ctx.onboardingPartnerHeader,
    callbackUrl: ctx.target.callbackUrl ?? null,
    callbackMethod: ctx.target.callbackMethod,
    callbackAuthHeader: ctx.target.callbackAuthHeader,
    callbackAuthValueSet: ctx.target.callbackAuthValue !== undefined,
    seed: ctx.seed ?? null,
  };
}

function object(v: unknown, where: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BadRequest(`${where} must be a JSON object`);
  return v as Record<string, unknown>;
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function guard(reply: FastifyReply, fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    return badRequest(reply, err);
  }
}

async function guardAsync(reply: FastifyReply, fn: () => Promise<unknown>): Promise<unknown> {
  try {
    return await fn();
  } catch (err) {
    return badRequest(reply, err);
  }
}

function badRequest(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof BadRequest || err instanceof SandboxConfigError) {
    return reply.code(400).send({ error: err.message });
  }
  throw err;
}
