import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/**
 * API_RATE_LIMIT_PER_MINUTE counts per caller (set by PartnerCallerGuard): per partner or identity
 * key, and per end user for end-user tokens (one user cannot spend the partner's budget); per IP
 * only when no caller is known. One budget per caller across every /v1 route: the key leaves the
 * route out (the library's default names the controller and handler, which gave a caller the
 * limit once per route).
 */
@Injectable()
export class PartnerThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    return req.caller?.ref ?? req.ip;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `partner:${throttlerName}:${tracker}`;
  }
}
