// Partner webhooks: endpoint secrets and signatures, as the Standard Webhooks specification
// defines them (the `standardwebhooks` package signs, so partners verify with the same code).
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { isWebhookSecret } from '../config/app-config.js';

const PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A new secret: `whsec_` + base64 of 32 random bytes. Shown once; stored encrypted. */
export function generateSecret(): string {
  return PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** `whsec_` + canonical base64 of at least 24 bytes (what WEBHOOK_SECRET must be). */
export const isValidSecret = isWebhookSecret;

/**
 * The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per valid
 * secret, space-separated (the current secret first, then the previous one during a rotation).
 */
export function signatureHeader(secrets: readonly string[], id: string, at: Date, body: string): string {
  return secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' ');
}
