// What the sandbox's routes share: its settings, the in-memory store, the callback dispatcher and
// the random sources (seeded when asked, one stream for faults and one for data, so changing a
// fault rate does not change the generated people).
import type { FastifyReply } from 'fastify';
import type { CallbackDispatcher } from './sandbox-callbacks.js';
import type {
  OnboardingPartnerHeaderMode,
  SandboxCallbackTarget,
  SandboxFaults,
  Source,
} from './sandbox.config.js';
import type { Random } from './sandbox-random.js';
import type { SandboxStore } from './sandbox-store.js';

export interface SandboxContext {
  clientId: string;
  passKey: string;
  /** The onboarding-partner value the provider issued for each platform (may be the same). */
  onboardingPartners: Record<Source, string>;
  onboardingPartnerHeader: OnboardingPartnerHeaderMode;
  target: SandboxCallbackTarget;
  faults: SandboxFaults;
  /** The faults at start (DELETE /sandbox/faults returns to them). */
  initialFaults: SandboxFaults;
  seed?: number;
  faultRandom: Random;
  dataRandom: Random;
  store: SandboxStore;
  callbacks: CallbackDispatcher;
  /** Signs image URLs (random per start; derived from the seed when seeded). */
  imageKey: Buffer;
  /** Set once listening: used in launch URLs and image URLs. */
  baseUrl: string;
  /** Requests held open by a timeout fault; released on close. */
  held: Set<FastifyReply>;
}

export interface ProviderErrorBody {
  success: false;
  data: null;
  errors: { code: string; cause: string; entity?: string }[];
}

export function providerError(code: string, cause: string, entity = 'ESIGN_ADAPTER'): ProviderErrorBody {
  return { success: false, data: null, errors: [{ code, cause, entity }] };
}
