// The partner webhooks (the service calls the partner) as OpenAPI 3.1 `webhooks`: one entry per
// event type, its payload schema and the Standard Webhooks signature headers, so a client
// generated from the document has the payload types too.

type Json = Record<string, any>;

export const VERIFICATION_EVENT_TYPES = [
  'verification.created',
  'verification.updated',
  'verification.completed',
  'verification.failed',
  'verification.expired',
  'verification.redacted',
] as const;

const WHEN: Record<string, string> = {
  'verification.created': 'A verification was started (status `INITIATED`).',
  'verification.updated': 'A verification progressed (`IN_PROGRESS`, `PARTIALLY_COMPLETED`).',
  'verification.completed': 'A verification reached `COMPLETED`, with its `result`.',
  'verification.failed': 'A verification ended in `ERROR` or `INITIATION_FAILED`.',
  'verification.expired': 'A verification got no result in time (`EXPIRED`).',
  'verification.redacted': "A verification's personal data was erased (retention or an erasure request).",
  'webhook.test': 'Sent on demand by `POST /admin/webhook-endpoints/{id}/test`, to check an endpoint.',
};

const SIGNATURE_HEADERS: Json[] = [
  {
    name: 'webhook-id',
    in: 'header',
    required: true,
    description: 'The event id, the same on every retry: the receiver’s dedupe key.',
    schema: { type: 'string', example: 'evt_2Zf9kq1c8Jx0' },
  },
  {
    name: 'webhook-timestamp',
    in: 'header',
    required: true,
    description: 'When this attempt was signed, in Unix seconds; refuse values too far from your clock.',
    schema: { type: 'string', pattern: '^[0-9]+$', example: '1764660000' },
  },
  {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description:
      'Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">` keyed with ' +
      'the base64-decoded part of the endpoint secret after `whsec_`; space-separated, one per valid secret during a ' +
      'rotation. Any one matching is enough. The `standardwebhooks` package checks all of this.',
    schema: { type: 'string', example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=' },
  },
];

/** Payload schemas, added to `components.schemas` (they reference `VerificationDto`). */
export const WEBHOOK_SCHEMAS: Json = {
  VerificationWebhookEvent: {
    type: 'object',
    description:
      'A change of a verification. Delivered at least once, in no guaranteed order: compare ' +
      '`data.verification.version` (or `updatedAt`) with what you hold. Never holds KTP data.',
    required: ['id', 'type', 'createdAt', 'data'],
    properties: {
      id: {
        type: 'string',
        description: 'The event id (also the `webhook-id` header)',
        example: 'evt_2Zf9kq1c8Jx0',
      },
      type: { type: 'string', enum: [...VERIFICATION_EVENT_TYPES], example: 'verification.completed' },
      createdAt: { type: 'string', format: 'date-time', example: '2026-11-26T05:41:02.456Z' },
      data: {
        type: 'object',
        required: ['verification'],
        properties: {
          verification: {
            $ref: '#/components/schemas/VerificationDto',
          },
        },
      },
    },
  },
  WebhookTestEvent: {
    type: 'object',
    description: 'A test event: it changes nothing; answer 2xx.',
    required: ['id', 'type', 'createdAt', 'data'],
    properties: {
      id: { type: 'string', example: 'evt_2Zf9kq1c8Jx1' },
      type: { type: 'string', enum: ['webhook.test'], example: 'webhook.test' },
      createdAt: { type: 'string', format: 'date-time', example: '2026-11-26T05:41:02.456Z' },
      data: {
        type: 'object',
        description: 'Free-form; nothing to act on',
        additionalProperties: true,
      },
    },
  },
};

function webhook(type: string, schemaName: string): Json {
  return {
    post: {
      operationId: `on${type
        .split(/[._]/)
        .map((w) => w[0].toUpperCase() + w.slice(1))
        .join('')}`,
      summary: `Event ${type}`,
      description:
        `${WHEN[type]} Sent as a POST to every enabled endpoint subscribed to \`${type}\`. ` +
        'Answer any 2xx within WEBHOOK_TIMEOUT_MS; anything else (or no answer) is retried with exponential ' +
        'backoff and jitter for at least 3 days.',
      tags: ['webhooks'],
      security: [],
      parameters: SIGNATURE_HEADERS,
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName}` } } },
      },
      responses: {
        '2XX': { description: 'Received: the event is not sent again' },
        default: { description: 'Not received: the event is sent again later' },
      },
    },
  };
}

export function webhookDocs(): Json {
  const out: Json = {};
  for (const type of VERIFICATION_EVENT_TYPES) out[type] = webhook(type, 'VerificationWebhookEvent');
  out['webhook.test'] = webhook('webhook.test', 'WebhookTestEvent');
  return out;
}
