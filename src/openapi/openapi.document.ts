// The OpenAPI document: what /docs-json serves and `npm run openapi:export` writes. Nest's
// swagger module reads the controllers; openapi-conventions.ts applies the house rules.
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { applyOpenApiConventions } from './openapi-conventions.js';
import { WEBHOOK_SCHEMAS, webhookDocs } from './webhook-events.docs.js';

const DESCRIPTION = `
The orchestrator between a partner's apps and **GoTo OneKYC Standalone Identity Verification**:
start a verification for a user whose contact the partner verified, hand the SDK token (or web
launch URL) to the app, and read the outcome. Operators get a masked admin API.

- **Callers**: partner keys, identity keys and end-user tokens on \`/v1\`, admin keys on
  \`/admin\`, all as \`Authorization: Bearer <…>\`; the provider on \`/v1/callbacks/onekyc\`.
- **Errors** are RFC 9457 \`application/problem+json\` (\`type\`, \`title\`, \`status\`, \`detail\`,
  \`errors\` naming each invalid field). 429 and 503 carry \`Retry-After\`.
- **Webhooks**: every change of a verification is signed (Standard Webhooks) and delivered at
  least once; see the \`webhooks\` section.
- **Sandbox**: \`npm start\` with no configuration runs a built-in provider sandbox; the keys are
  \`sandbox-api-key\` and \`sandbox-admin-key\`.
`.trim();

/** Library routes (terminus, prometheus) documented here, since their controllers are not ours. */
const LIBRARY_ROUTES = {
  'GET /health/live': { summary: 'Liveness: the process answers', operationId: 'getLiveness' },
  'GET /health/ready': {
    summary: 'Readiness: the database answers and no migration is pending',
    operationId: 'getReadiness',
  },
  'GET /metrics': {
    summary: 'Prometheus metrics',
    operationId: 'getMetrics',
    description:
      'Prometheus text format. Needs `Authorization: Bearer <METRICS_TOKEN>` only when that is set.',
    okContent: {
      'text/plain': {
        schema: {
          type: 'string',
          example:
            'http_request_duration_seconds_count{method="GET",route="/health/live",status_code="200"} 3',
        },
      },
    },
  },
};

export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const base = new DocumentBuilder()
    .setTitle('OneKYC orchestrator')
    .setDescription(DESCRIPTION)
    .setVersion('1.0.0')
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addTag(
      'verifications',
      'Partner API: start a verification and read it (partner frontends and back ends)',
    )
    .addTag('callbacks', 'Called by GoTo OneKYC with results')
    .addTag('admin', "Operators' API (admin keys)")
    .addTag('operations', 'Health and metrics')
    .addTag('webhooks', 'Events the service sends to the partner')
    .build();
  const generated = SwaggerModule.createDocument(app, base, {
    // `FlowsExternalController.create` → `flowsExternalCreate` when a route names none.
    operationIdFactory: (controller, method) =>
      lowerFirst(controller.replace(/Controller$/, '')) + method[0].toUpperCase() + method.slice(1),
  });
  return applyOpenApiConventions(generated as unknown as Record<string, unknown>, {
    partnerSecurity: [{ partner: [] }, { identity: [] }, { user: [] }],
    summaries: LIBRARY_ROUTES,
    servers: [
      { url: 'http://127.0.0.1:3000', description: 'Local (`npm start`, sandbox mode)' },
      {
        url: 'https://{host}',
        description: 'A deployment',
        variables: {
          host: { default: 'kyc.partner.example', description: 'Where you deployed the service' },
        },
      },
    ],
    webhooks: webhookDocs(),
    extraSchemas: WEBHOOK_SCHEMAS,
  }) as unknown as OpenAPIObject;
}

function lowerFirst(s: string): string {
  return s[0].toLowerCase() + s.slice(1);
}
