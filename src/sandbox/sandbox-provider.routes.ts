// The three provider endpoints, answered as the provider's API reference and error-code page
// describe them: same paths, headers, validations, envelope and codes. Where the provider
// documents a cause but not its code, the sandbox uses 1650 for a missing/invalid header and 1539
// for an invalid body (the documented INVALID_FLOW example carries 1539); clients must key on
// `cause`, not on `code` (nor on the HTTP status alone: "no submission yet" is 404 or 400).
// Causes the provider does not document (INVALID_PHONE_NUMBER, ...) follow its naming style and
// are marked "sandbox" in README.md.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { matchSecret } from '../common/secrets.js';
import { ONEKYC_FLOW } from '../onekyc/onekyc.types.js';
import { PROVIDER_ERRORS, ProviderErrorCode, SandboxEndpoint, Source } from './sandbox.config.js';
import { providerError, SandboxContext } from './sandbox-context.js';
import { submissionDetails } from './sandbox-store.js';

export const PHONE_PATTERN = /^62\d{9,13}$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LOCALES = new Set(['id_ID', 'en_ID']);

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

const fail = (status: number, code: string, cause: string): Answer => ({
  status,
  body: providerError(code, cause),
});
const invalidHeader = (cause: string) => fail(400, '1650', cause);
const invalidBody = (cause: string) => fail(400, '1539', cause);
const unauthorized = () => fail(401, '110', 'UNAUTHORIZED');
/** One of the errors of the provider's error-code page, by its code. */
const listed = (code: ProviderErrorCode) => fail(PROVIDER_ERRORS[code][0], code, PROVIDER_ERRORS[code][1]);

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

export function registerProviderRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.get('/v1/esign/partner/authentication', (req, reply) =>
    withFaults(ctx, 'token', req, reply, () => mintToken(ctx, req)),
  );
  app.post('/esign-partner/v1/initiate-flow', (req, reply) =>
    withFaults(ctx, 'initiateFlow', req, reply, () => initiateFlow(ctx, req)),
  );
  app.get('/esign-partner/v1/submissions', (req, reply) =>
    withFaults(ctx, 'submissions', req, reply, () => getSubmission(ctx, req)),
  );
}

/** Counts the call, applies latency / 429 / 5xx before processing and "timeout" after it. */
async function withFaults(
  ctx: SandboxContext,
  endpoint: SandboxEndpoint,
  req: FastifyRequest,
  reply: FastifyReply,
  handle: () => Answer,
): Promise<void> {
  const stats = ctx.store.stats;
  stats.recordCall(endpoint);
  const f = ctx.faults.endpoints[endpoint];
  const roll = (rate: number) => rate > 0 && ctx.faultRandom() < rate;
  const latency =
    f.latencyMs + (f.latencyJitterMs > 0 ? Math.floor(ctx.faultRandom() * f.latencyJitterMs) : 0);
  if (latency > 0) await new Promise((r) => setTimeout(r, latency));
  let answer: Answer;
  if (roll(f.throttleRate)) {
    answer = { ...fail(429, '429', 'TOO_MANY_REQUESTS'), headers: { 'retry-after': '1' } };
  } else if (roll(f.errorRate)) {
    answer = fail(500, '900', 'GENERIC_SERVICE_ERROR');
  } else {
    answer = handle();
    if (roll(f.timeoutRate)) {
      // Processed (a session may now exist) but never answered: the ambiguous case.
      stats.recordResponse(endpoint, 'timeout');
      return hold(ctx, reply);
    }
  }
  stats.recordResponse(endpoint, answer.status);
  reply.code(answer.status).header('content-type', 'application/json; charset=utf-8');
  for (const [k, v] of Object.entries(answer.headers ?? {})) reply.header(k, v);
  return reply.send(JSON.stringify(answer.body));
}

/** Keeps the connection open without answering until the client gives up, then drops it. */
async function hold(ctx: SandboxContext, reply: FastifyReply): Promise<void> {
  reply.hijack();
  ctx.held.add(reply);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ctx.faults.hangMs);
    reply.raw.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  ctx.held.delete(reply);
  reply.raw.destroy();
}

function mintToken(ctx: SandboxContext, req: FastifyRequest): Answer {
  const clientId = header(req, 'client-id');
  const passKey = header(req, 'pass-key');
  if (!clientId) return invalidHeader('MISSING_CLIENT_ID');
  if (!passKey) return invalidHeader('MISSING_PASS_KEY');
  const idOk = matchSecret(clientId, [ctx.clientId]) === 0;
  const keyOk = matchSecret(passKey, [ctx.passKey]) === 0;
  if (!idOk || !keyOk) return unauthorized();
  const forced = ctx.faults.forcedErrors.token;
  if (forced) return listed(forced);
  const now = Date.now();
  const lifetime = ctx.faults.tokenLifetimeSeconds;
  // Whole seconds, rounded down: the sandbox never accepts a token past the expires_at it gave.
  const expiresAt = Math.floor((now + lifetime * 1000) / 1000);
  const token = randomBytes(24).toString('base64url');
  ctx.store.pruneTokens(now);
  ctx.store.tokens.set(token, { token, issuedAtMs: now, expiresAtMs: expiresAt * 1000, revoked: false });
  ctx.store.stats.tokensIssued++;
  return {
    status: 200,
    body: {
      success: true,
      data: { token, expiry_seconds: String(lifetime), expires_at: String(expiresAt) },
    },
  };
}

/** The token check, then any forced error of the endpoint (903 FORBIDDEN, 1550 ...). */
function checkToken(ctx: SandboxContext, req: FastifyRequest, endpoint: SandboxEndpoint): Answer | undefined {
  const token = header(req, 'x-onekyc-token');
  const t = token ? ctx.store.tokens.get(token) : undefined;
  if (!t || t.revoked || Date.now() >= t.expiresAtMs) return unauthorized();
  const forced = ctx.faults.forcedErrors[endpoint];
  return forced ? listed(forced) : undefined;
}

interface PartnerHeaders {
  userId: string;
  userIdType: string;
  sessionId: string;
}

function partnerHeaders(req: FastifyRequest): PartnerHeaders | Answer {
  const userId = header(req, 'x-partner-user-id');
  const userIdType = header(req, 'x-partner-user-id-type');
  const sessionId = header(req, 'x-partner-session-id');
  if (!userId) return listed('1550');
  if (!userIdType) return invalidHeader('PARTNER_USER_ID_TYPE_CAN_NOT_BE_EMPTY');
  if (!sessionId) return invalidHeader('PARTNER_SESSION_ID_CAN_NOT_BE_EMPTY');
  return { userId, userIdType, sessionId };
}

function onboardingPartner(ctx: SandboxContext, req: FastifyRequest): string | undefined {
  const mode = ctx.onboardingPartnerHeader;
  const esign = mode !== 'x-onboarding-partner' ? header(req, 'x-esign-onboarding-partner') : undefined;
  const older = mode !== 'x-esign-onboarding-partner' ? header(req, 'x-onboarding-partner') : undefined;
  return esign ?? older;
}

function initiateFlow(ctx: SandboxContext, req: FastifyRequest): Answer {
  const denied = checkToken(ctx, req, 'initiateFlow');
  if (denied) return denied;
  const partner = onboardingPartner(ctx, req);
  if (!partner) return invalidHeader('ESIGN_ONBOARDING_PARTNER_CAN_NOT_BE_EMPTY');
  const notOurs = () => fail(403, '110', 'ONBOARDING_PARTNER_DOES_NOT_BELONG_TO_CLIENT');
  if (partner !== ctx.onboardingPartners.SDK && partner !== ctx.onboardingPartners.WEB_SDK) return notOurs();
  const h = partnerHeaders(req);
  if ('status' in h) return h;
  const problem = validateInitiateBody(req.body);
  if (problem) return invalidBody(problem);
  const body = req.body as Record<string, unknown>;
  const source = body.source as Source;
  // The value names its platform (PARTNER-PLATFORM-FLOW): the SDK's value does not open a web flow.
  if (partner !== ctx.onboardingPartners[source]) return notOurs();
  if (ctx.store.sessions.has(h.sessionId)) return invalidBody('DUPLICATE_PARTNER_SESSION_ID');

  const details = (body.additionalDetails ?? {}) as Record<string, unknown>;
  const now = Date.now();
  const expirySeconds = ctx.faults.sdkTokenLifetimeSeconds;
  const expiresAtMs = now + expirySeconds * 1000;
  ctx.store.sessions.set(h.sessionId, {
    partnerSessionId: h.sessionId,
    userId: h.userId,
    userIdType: h.userIdType,
    source,
    createdAtMs: now,
    expiresAtMs,
    seeded: false,
    request: {
      onboardingPartner: partner,
      ...(typeof details.allowQr === 'boolean' ? { allowQr: details.allowQr } : {}),
      ...(typeof details.forceQr === 'boolean' ? { forceQr: details.forceQr } : {}),
      ...(source === 'WEB_SDK'
        ? {
            successRedirectionUrl: body.successRedirectionUrl as string,
            failureRedirectionUrl: body.failureRedirectionUrl as string,
          }
        : {}),
    },
  });
  const expiresAt = Math.floor(expiresAtMs / 1000);
  const sdkToken = randomBytes(24).toString('base64url');
  const data =
    source === 'SDK'
      ? { token: sdkToken, expirySeconds, expiresAt }
      : {
          launchUrl: `${ctx.baseUrl}/sandbox/web-sdk/${encodeURIComponent(h.sessionId)}?token=${sdkToken}`,
          expirySeconds,
          expiresAt,
        };
  return { status: 200, body: { success: true, data } };
}

/** The first failed rule of Initiate Flow's body, as the provider's cause; undefined when valid. */
export function validateInitiateBody(raw: unknown): string | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'INVALID_REQUEST_BODY';
  const body = raw as Record<string, unknown>;
  if (body.flow !== ONEKYC_FLOW) return 'INVALID_FLOW';
  if (body.source !== 'SDK' && body.source !== 'WEB_SDK') return 'INVALID_SOURCE';
  if (body.source === 'WEB_SDK') {
    if (!isHttpUrl(body.successRedirectionUrl)) return 'SUCCESS_REDIRECTION_URL_IS_REQUIRED';
    if (!isHttpUrl(body.failureRedirectionUrl)) return 'FAILURE_REDIRECTION_URL_IS_REQUIRED';
  }
  const ad = body.additionalDetails;
  if (ad !== undefined && (ad === null || typeof ad !== 'object' || Array.isArray(ad))) {
    return 'INVALID_ADDITIONAL_DETAILS';
  }
  const details = (ad ?? {}) as Record<string, unknown>;
  // Smart QR (the web flow on a desktop continues on the phone): booleans, web flow only.
  for (const qr of ['allowQr', 'forceQr']) {
    if (details[qr] === undefined) continue;
    if (typeof details[qr] !== 'boolean') return 'INVALID_ADDITIONAL_DETAILS';
    if (body.source !== 'WEB_SDK') return 'SMART_QR_IS_ONLY_FOR_WEB_SDK';
  }
  const phone = details.phoneNumber;
  const email = details.email;
  if ((phone === undefined || phone === '') && (email === undefined || email === '')) {
    return 'PHONE_NUMBER_OR_EMAIL_IS_REQUIRED';
  }
  const dv = (details.dataVerification ?? {}) as Record<string, unknown>;
  if (phone !== undefined && phone !== '') {
    if (typeof phone !== 'string' || !PHONE_PATTERN.test(phone)) return 'INVALID_PHONE_NUMBER';
    const v = dv.phoneNumber as Record<string, unknown> | undefined;
    if (!v || v.isVerified !== true) return 'PHONE_NUMBER_VERIFICATION_MUST_BE_TRUE';
    if (typeof v.verificationReferenceId !== 'string' || v.verificationReferenceId.trim() === '') {
      return 'PHONE_NUMBER_VERIFICATION_REFERENCE_ID_IS_REQUIRED';
    }
  }
  if (email !== undefined && email !== '') {
    if (typeof email !== 'string' || email.length > 254 || !EMAIL_PATTERN.test(email)) return 'INVALID_EMAIL';
    const v = dv.email as Record<string, unknown> | undefined;
    if (!v || v.isVerified !== true) return 'EMAIL_VERIFICATION_MUST_BE_TRUE';
    if (typeof v.verificationReferenceId !== 'string' || v.verificationReferenceId.trim() === '') {
      return 'EMAIL_VERIFICATION_REFERENCE_ID_IS_REQUIRED';
    }
  }
  // The guide shows userLocale both at the top level and inside additionalDetails: accept both.
  for (const locale of [body.userLocale, details.userLocale]) {
    if (locale !== undefined && (typeof locale !== 'string' || !LOCALES.has(locale)))
      return 'INVALID_USER_LOCALE';
  }
  return undefined;
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string' || v.length > 2048) return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function getSubmission(ctx: SandboxContext, req: FastifyRequest): Answer {
  const denied = checkToken(ctx, req, 'submissions');
  if (denied) return denied;
  const h = partnerHeaders(req);
  if ('status' in h) return h;
  const session = ctx.store.sessions.get(h.sessionId);
  if (session && (session.userId !== h.userId || session.userIdType !== h.userIdType)) {
    return listed(ctx.faults.otherUserCode);
  }
  ctx.store.stats.recordPoll(h.sessionId);
  const current = ctx.store.currentSubmission(h.userId, h.userIdType);
  if (!current) return listed(ctx.faults.notFoundCode);
  return { status: 200, body: { success: true, data: submissionDetails(current) } };
}
