import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/**
 * API_RATE_LIMIT_PER_MINUTE counts per caller (set by PartnerCallerGuard): per partner or identity
 * key, and per end user for end-user tokens (one user cannot spend the partner's budget); per IP
 * only when no caller is known.
 */
@Injectable()
export class PartnerThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    return req.caller?.ref ?? req.ip;
  }
}
