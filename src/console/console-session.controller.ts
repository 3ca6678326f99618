// Console room: POST /admin/session (sign in with an admin key), GET (the current session, for a
// page reload), DELETE (sign out). The session token travels only in an httpOnly, SameSite=Strict
// cookie (Secure outside local development); the page gets the CSRF token it must send on writes.
import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemDto } from '../admin/dto/problem.dto.js';
import { unauthorized } from '../partner-auth/admin-key.guard.js';
import { AuthError } from '../partner-auth/auth.errors.js';
import { ConsoleError } from './console.errors.js';
import { SecretSet } from '../common/secrets.js';
import { AppConfig } from '../config/app-config.js';
import { ConsoleSessionDto, CreateConsoleSessionDto } from './console-session.dto.js';
import { ConsoleSession, ConsoleSessionsService, csrfTokenFor } from './console-sessions.service.js';

/** Failed sign-ins allowed per client address within the window, before 429. */
export const SIGN_IN_FAILURES_ALLOWED = 10;
const SIGN_IN_WINDOW_MS = 5 * 60_000;

@ApiTags('admin: console session')
@ApiNotFoundResponse({ description: 'The console is turned off (CONSOLE_ENABLED=false)', type: ProblemDto })
@Controller('admin/session')
export class ConsoleSessionController {
  private readonly keys: SecretSet;
  /** Failed sign-ins per client address (this instance's memory: a brake on guessing, not a ledger). */
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly sessions: ConsoleSessionsService,
    config: AppConfig,
  ) {
    this.keys = new SecretSet(config.adminApiKeys, config.keyIdKey);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in to the operator console',
    description:
      'Exchanges an admin key for a short-lived session: the answer sets an httpOnly, SameSite=Strict cookie ' +
      '(Secure outside local development) that the /admin routes accept instead of the bearer key. Writes with ' +
      'it need `x-csrf-token` (from this answer) and a same-origin request.',
  })
  @ApiOkResponse({ type: ConsoleSessionDto })
  @ApiUnauthorizedResponse({ description: 'Not an admin key', type: ProblemDto })
  @ApiForbiddenResponse({ description: 'Sent from another origin', type: ProblemDto })
  @ApiTooManyRequestsResponse({
    description:
      'Too many failed sign-ins from this address in 5 minutes (Retry-After says when to try again)',
    type: ProblemDto,
  })
  async signIn(
    @Body() body: CreateConsoleSessionDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsoleSessionDto> {
    this.assertEnabled();
    // A page of another site must not sign the browser in (login CSRF).
    if ((request.headers.origin || request.headers.referer) && !this.sessions.sameOrigin(request)) {
      throw new AuthError('CALLER_NOT_ALLOWED', "Sign-in is accepted only from the console's own origin");
    }
    const now = Date.now();
    const seen = this.failures.get(request.ip);
    if (seen && seen.until > now && seen.count >= SIGN_IN_FAILURES_ALLOWED) {
      const retryAfter = Math.ceil((seen.until - now) / 1000);
      throw new AuthError(
        'SIGN_IN_THROTTLED',
        `Too many failed sign-ins from this address: try again in ${retryAfter} s`,
        {},
        { 'retry-after': String(retryAfter) },
      );
    }
    const idx = this.keys.match(body.adminKey);
    if (idx < 0) {
      this.recordFailure(request.ip, now);
      throw unauthorized('admin', 'Invalid admin key', true);
    }
    const { token, session } = await this.sessions.open(this.keys.ids[idx]);
    this.sessions.setCookie(request, reply, token, secondsUntil(session.absoluteExpiresAt));
    reply.header('cache-control', 'no-store');
    return toDto(session, token);
  }

  @Get()
  @ApiOperation({
    summary: 'The current console session',
    description: 'Answers the session of the cookie (and its CSRF token again, for a reloaded page), or 401.',
  })
  @ApiOkResponse({ type: ConsoleSessionDto })
  @ApiUnauthorizedResponse({ description: 'No session, or it ended or expired', type: ProblemDto })
  async current(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsoleSessionDto> {
    this.assertEnabled();
    const token = this.sessions.tokenOf(request);
    const session = token ? await this.sessions.touch(token) : undefined;
    if (!token || !session || !this.keys.stillAccepts(session.adminKeyId)) {
      throw unauthorized('admin', 'No console session: sign in with an admin key', false);
    }
    reply.header('cache-control', 'no-store');
    return toDto(session, token);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Sign out of the console',
    description:
      'Ends the session at once and clears its cookie. Needs `x-csrf-token` and a same-origin request.',
  })
  @ApiNoContentResponse({ description: 'Signed out (also when the session had already ended)' })
  @ApiForbiddenResponse({ description: 'No CSRF token, or another origin', type: ProblemDto })
  async signOut(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    this.assertEnabled();
    const token = this.sessions.tokenOf(request);
    if (token) {
      if (!this.sessions.sameOrigin(request) || !this.sessions.csrfMatches(request, token)) {
        throw new AuthError(
          'CALLER_NOT_ALLOWED',
          'Sign-out needs the x-csrf-token header and a same-origin request',
        );
      }
      await this.sessions.end(token);
    }
    this.sessions.clearCookie(request, reply);
  }

  private recordFailure(ip: string, now: number): void {
    const seen = this.failures.get(ip);
    if (seen && seen.until > now) seen.count++;
    else this.failures.set(ip, { count: 1, until: now + SIGN_IN_WINDOW_MS });
    if (this.failures.size > 10_000) {
      for (const [k, v] of this.failures) if (v.until <= now) this.failures.delete(k);
    }
  }

  private assertEnabled(): void {
    if (!this.sessions.enabled)
      throw new ConsoleError('CONSOLE_DISABLED', 'The operator console is turned off');
  }
}

function toDto(s: ConsoleSession, token: string): ConsoleSessionDto {
  return {
    id: s.id,
    keyId: s.adminKeyId,
    createdAt: s.createdAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    absoluteExpiresAt: s.absoluteExpiresAt.toISOString(),
    csrfToken: csrfTokenFor(token),
  };
}

function secondsUntil(d: Date): number {
  return Math.max(0, Math.floor((d.getTime() - Date.now()) / 1000));
}
