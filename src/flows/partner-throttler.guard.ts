import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/** API_RATE_LIMIT_PER_MINUTE counts per partner API key (set by PartnerApiKeyGuard), not per IP. */
@Injectable()
export class PartnerThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    return req.apiKeyId ?? req.ip;
  }
}
