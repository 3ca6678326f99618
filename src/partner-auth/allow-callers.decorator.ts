// Partner-auth room: which kinds of caller a partner route admits (PartnerCallerGuard reads it).
// Without the decorator a route admits partner keys, identity keys and end-user tokens.
import { SetMetadata } from '@nestjs/common';
import type { CallerKind } from './caller.js';

export const ALLOWED_CALLERS = 'partner-auth:allowed-callers';
export const DEFAULT_PARTNER_CALLERS: readonly CallerKind[] = ['partner', 'identity', 'user'];

export const AllowCallers = (...kinds: CallerKind[]) => SetMetadata(ALLOWED_CALLERS, kinds);
