// The house rules of our OpenAPI document, applied to what @nestjs/swagger generates, so a route
// added anywhere documents well by construction: who may call it (security by path), every
// error it can give as problem+json (401 when secured, 400 when it takes input, 404 for ids,
// 429/503 with Retry-After, ...), OpenAPI 3.1 types (nullable as a type union), dates as
// date-time, no orphan schemas. Pure: JSON in, JSON out (see openapi-conventions.spec.ts).

type Json = Record<string, any>;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Security schemes, by the name used in `@ApiBearerAuth(name)` and in `security` requirements. */
export const SECURITY_SCHEMES: Record<string, Json> = {
  partner: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'opaque API key',
    description:
      'A partner API key (API_KEYS), sent as `Authorization: Bearer <key>`: every verification, no identity data. ' +
      'In sandbox mode the key is `sandbox-api-key`.',
  },
  identity: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'opaque API key',
    description:
      "An identity key (IDENTITY_API_KEYS), for the partner's back end: a partner key that may also read identity " +
      'data and evidence; every such read is written to the audit log.',
  },
  user: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      "An end-user token: a JWT from the partner's own login (checked against USER_JWT_JWKS_URL or USER_JWT_SECRET, " +
      'iss, aud, exp, nbf). It acts for its own user only: another user is 404, an identity route is 403.',
  },
  admin: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'opaque API key',
    description: 'An admin API key (ADMIN_API_KEYS). In sandbox mode: `sandbox-admin-key`.',
  },
  console: {
    type: 'apiKey',
    in: 'cookie',
    name: 'console_session',
    description:
      'An operator console session (POST /admin/session), accepted by every /admin route instead of the admin key. ' +
      'Over HTTPS the cookie is `__Host-console_session`. Writes also need `x-csrf-token` and a same-origin request.',
  },
  callback: {
    type: 'apiKey',
    in: 'header',
    name: 'authorization',
    description:
      'The static credential given to the provider (one of CALLBACK_AUTH_VALUES), in the CALLBACK_AUTH_HEADER header ' +
      '(default `authorization`). In sandbox mode: `Bearer sandbox-callback-secret`.',
  },
  metrics: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'opaque token',
    description: 'METRICS_TOKEN, only when it is set.',
  },
};

/** Who may call a path when its controller declared nothing: the first matching prefix wins. */
export interface PathSecurity {
  prefix: string;
  security: Json[];
}

export interface ConventionOptions {
  /** Callers of the partner API (`/v1/verifications`). */
  partnerSecurity: Json[];
  pathSecurity?: PathSecurity[];
  /** Summaries for routes that library controllers add (terminus, prometheus). */
  summaries?: Record<
    string,
    { summary: string; operationId?: string; description?: string; okContent?: Json }
  >;
  servers: Json[];
  webhooks?: Json;
  /** Schemas added to components (e.g. the webhook payloads), as JSON schemas. */
  extraSchemas?: Json;
}

export const PROBLEM_SCHEMA: Json = {
  type: 'object',
  description:
    'RFC 9457 problem details: the body of every 4xx and 5xx answer (`application/problem+json`). ' +
    'Extension members (e.g. the provider `cause` on a 502) may follow.',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: {
      type: 'string',
      format: 'uri',
      description: 'Identifies the kind of problem',
      example: 'https://github.com/onekyc-orchestrator/problems/validation-error',
    },
    title: { type: 'string', example: 'Validation failed' },
    status: { type: 'integer', minimum: 400, maximum: 599, example: 400 },
    detail: { type: 'string', example: 'Invalid request: phoneNumber' },
    errors: {
      type: 'array',
      description: 'One entry per invalid field (400 only)',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: {
          field: { type: 'string', example: 'phoneNumber' },
          message: { type: 'string', example: 'phoneNumber must be 62 followed by 9 to 13 digits' },
        },
      },
    },
  },
  additionalProperties: true,
};

const RETRY_AFTER_HEADER: Json = {
  description: 'Seconds to wait before retrying',
  schema: { type: 'integer', minimum: 0, example: 5 },
};

const REQUEST_ID_HEADER: Json = {
  description:
    'The request id (the caller’s `x-request-id` when it sent a valid one): quote it when reporting a problem',
  schema: { type: 'string', example: 'req-7f3c2a' },
};

const PROBLEM_DEFAULTS: Record<number, { description: string; type: string; title: string; detail: string }> =
  {
    400: {
      description: 'Bad input: the field is named in `detail` and `errors`',
      type: 'validation-error',
      title: 'Validation failed',
      detail: 'Invalid request: phoneNumber',
    },
    401: {
      description: 'No credential, or not one of the accepted ones',
      type: 'unauthorized',
      title: 'Unauthorized',
      detail: 'Missing bearer token: send "Authorization: Bearer <key>"',
    },
    403: {
      description: 'The caller may not use this route',
      type: 'forbidden',
      title: 'Forbidden',
      detail: 'Not allowed',
    },
    404: { description: 'No such resource', type: 'not-found', title: 'Not Found', detail: 'Not found' },
    408: {
      description: 'The request headers and body did not arrive within 30 s',
      type: 'request-timeout',
      title: 'Request Timeout',
      detail: 'The request did not arrive in time',
    },
    409: { description: 'Conflict', type: 'conflict', title: 'Conflict', detail: 'Conflict' },
    410: { description: 'Erased for good', type: 'gone', title: 'Gone', detail: 'Erased' },
    413: {
      description: 'The body is over 256 KiB',
      type: 'payload-too-large',
      title: 'Payload Too Large',
      detail: 'Request body is too large',
    },
    415: {
      description: 'The body is not `application/json`',
      type: 'unsupported-media-type',
      title: 'Unsupported Media Type',
      detail: 'Unsupported content type; send application/json',
    },
    429: {
      description: 'Rate limit reached: wait `Retry-After` seconds',
      type: 'too-many-requests',
      title: 'Too Many Requests',
      detail: 'ThrottlerException: Too Many Requests',
    },
    500: {
      description: 'An unexpected error (logged with the request id)',
      type: 'internal-server-error',
      title: 'Internal Server Error',
      detail: 'An unexpected error occurred; it has been logged with the request id.',
    },
    502: {
      description: 'The provider answered with an error (its `cause` in the body)',
      type: 'bad-gateway',
      title: 'Bad Gateway',
      detail: 'The provider refused the request',
    },
    503: {
      description:
        'Temporarily unavailable (database or provider unreachable): retry after `Retry-After` seconds',
      type: 'database-unavailable',
      title: 'Service Unavailable',
      detail: 'The service cannot reach its database right now; try again shortly.',
    },
  };

const SUCCESS_DESCRIPTIONS: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted',
  '204': 'No content',
};

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/** Turns the generated document into the published one. Does not modify its input. */
export function applyOpenApiConventions(input: Json, options: ConventionOptions): Json {
  const doc: Json = structuredClone(input);
  doc.openapi = '3.1.0';
  doc.servers = options.servers;
  doc.components ??= {};
  doc.components.securitySchemes = { ...SECURITY_SCHEMES };
  doc.components.schemas = { ...(doc.components.schemas ?? {}), ...(options.extraSchemas ?? {}) };
  doc.components.schemas.Problem = PROBLEM_SCHEMA;
  doc.components.headers = {
    ...(doc.components.headers ?? {}),
    'Retry-After': RETRY_AFTER_HEADER,
    'X-Request-Id': REQUEST_ID_HEADER,
  };
  const pathSecurity: PathSecurity[] = [
    { prefix: '/v1/verifications', security: options.partnerSecurity },
    { prefix: '/v1/callbacks/', security: [{ callback: [] }] },
    { prefix: '/admin/', security: [{ admin: [] }] },
    { prefix: '/metrics', security: [{ metrics: [] }, {}] },
    { prefix: '/health/', security: [] },
    ...(options.pathSecurity ?? []),
  ];

  const sharedResponses: Json = {};
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const op: Json | undefined = item[method];
      if (!op) continue;
      const known = options.summaries?.[`${method.toUpperCase()} ${path}`];
      if (known) {
        op.summary ??= known.summary;
        if (known.operationId) op.operationId = known.operationId;
        if (known.description) op.description ??= known.description;
        if (known.okContent && op.responses?.['200'] && !op.responses['200'].content)
          op.responses['200'].content = known.okContent;
      }
      applySecurity(op, path, pathSecurity);
      consoleSessionSecurity(op, path, method);
      addStandardResponses(op, path);
      normaliseResponses(op, sharedResponses);
      if (Array.isArray(op.parameters) && op.parameters.length === 0) delete op.parameters;
    }
  }
  doc.components.responses = { ...(doc.components.responses ?? {}), ...sortedByKey(sharedResponses) };
  if (options.webhooks) doc.webhooks = options.webhooks;

  walkSchemas(doc, toOpenApi31Schema);
  pruneUnusedSchemas(doc);
  return doc;
}

function sortedByKey(o: Json): Json {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** Every /admin route also takes a console session; signing in takes nothing, the session routes only it. */
function consoleSessionSecurity(op: Json, path: string, method: string): void {
  if (path === '/admin/session') op.security = method === 'post' ? [] : [{ console: [] }];
  else if (path.startsWith('/admin/') && Array.isArray(op.security)) {
    if (!op.security.some((s: Json) => 'console' in s)) op.security = [...op.security, { console: [] }];
  }
}

function applySecurity(op: Json, path: string, rules: PathSecurity[]): void {
  const rule = rules.find((r) => path === r.prefix.replace(/\/$/, '') || path.startsWith(r.prefix));
  if (
    op.security === undefined ||
    (path.startsWith('/v1/verifications') && onlyPartnerCallers(op.security))
  ) {
    // A partner route declared with @ApiBearerAuth('partner') (and 'user') accepts every partner-API
    // caller: identity keys are partner keys too.
    if (rule) op.security = structuredClone(rule.security);
  }
}

function onlyPartnerCallers(security: Json[]): boolean {
  return (
    security.length > 0 &&
    security.every((req) => Object.keys(req).every((k) => k === 'partner' || k === 'user'))
  );
}

/** Some caller needs a credential (`/metrics` only when METRICS_TOKEN is set: a 401 is possible). */
function isSecured(op: Json): boolean {
  const sec: Json[] = op.security ?? [];
  return sec.some((req) => Object.keys(req).length > 0);
}

function addStandardResponses(op: Json, path: string): void {
  const responses: Json = (op.responses ??= {});
  const add = (status: number) => {
    responses[String(status)] ??= {};
  };
  const hasInput = (op.parameters ?? []).length > 0 || op.requestBody !== undefined;
  if (hasInput) add(400);
  if (isSecured(op)) add(401);
  if (/\{[^}]+\}/.test(path)) add(404);
  if (op.requestBody !== undefined) {
    add(413);
    add(415);
  }
  if (path.startsWith('/v1/verifications')) add(429);
  // Every route: headers and body must arrive within 30 s (the server's request timeout).
  add(408);
  if (!path.startsWith('/health/live')) add(503);
  add(500);
}

/**
 * 4xx/5xx answers are problem+json. One the route did not describe itself becomes a reference to
 * a shared response (`#/components/responses/NotFound`, ...), collected in `shared`.
 */
function normaliseResponses(op: Json, shared: Json): void {
  for (const [code, response] of Object.entries<Json>(op.responses ?? {})) {
    const status = Number(code);
    if (status >= 400 && status <= 599) {
      if (Object.keys(response).length === 0) {
        const name = responseName(status);
        shared[name] ??= problemResponse(status, {});
        op.responses[code] = { $ref: `#/components/responses/${name}` };
      } else {
        op.responses[code] = problemResponse(status, response);
      }
    } else {
      response.description ||= SUCCESS_DESCRIPTIONS[code] ?? 'Success';
      response.headers = { ...REQUEST_ID_REF, ...(response.headers ?? {}) };
    }
  }
}

const REQUEST_ID_REF = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };

function responseName(status: number): string {
  return (PROBLEM_DEFAULTS[status]?.title ?? `Status${status}`).replace(/[^A-Za-z]/g, '');
}

function problemResponse(status: number, declared: Json): Json {
  const defaults = PROBLEM_DEFAULTS[status];
  const declaredMedia = declared.content?.['application/problem+json'];
  const media: Json = { schema: PROBLEM_REF };
  if (declaredMedia?.examples) media.examples = declaredMedia.examples;
  else media.example = declaredMedia?.example ?? exampleProblem(status);
  const headers: Json = {
    // A 408 is written to the socket before any request exists: no request id.
    ...(status === 408 ? {} : REQUEST_ID_REF),
    ...(declared.headers ?? {}),
    ...(status === 429 || status === 503
      ? { 'Retry-After': { $ref: '#/components/headers/Retry-After' } }
      : {}),
  };
  return {
    description: declared.description || defaults?.description || 'Error',
    headers,
    content: { 'application/problem+json': media },
  };
}

function exampleProblem(status: number): Json {
  const d = PROBLEM_DEFAULTS[status];
  const base = 'https://github.com/onekyc-orchestrator/problems/';
  const example: Json = {
    type: base + (d?.type ?? 'error'),
    title: d?.title ?? 'Error',
    status,
    detail: d?.detail ?? 'Error',
  };
  if (status === 400)
    example.errors = [{ field: 'phoneNumber', message: 'phoneNumber must be 62 followed by 9 to 13 digits' }];
  return example;
}

/** Calls `fn` on every schema object of the document (components, parameters, bodies, responses, webhooks). */
export function walkSchemas(doc: Json, fn: (schema: Json, name?: string) => void): void {
  const visit = (schema: Json | undefined, name?: string) => {
    if (!schema || typeof schema !== 'object') return;
    fn(schema, name);
    for (const [prop, sub] of Object.entries<Json>(schema.properties ?? {})) visit(sub, prop);
    if (schema.items) visit(schema.items);
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
      visit(schema.additionalProperties);
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) for (const sub of schema[key] ?? []) visit(sub);
  };
  const visitContent = (content: Json | undefined) => {
    for (const media of Object.values<Json>(content ?? {})) visit(media.schema);
  };
  const visitOperation = (op: Json) => {
    for (const p of op.parameters ?? []) visit(p.schema, p.name);
    visitContent(op.requestBody?.content);
    for (const r of Object.values<Json>(op.responses ?? {})) {
      visitContent(r.content);
      for (const h of Object.values<Json>(r.headers ?? {})) visit(h.schema);
    }
  };
  for (const [name, schema] of Object.entries<Json>(doc.components?.schemas ?? {})) visit(schema, name);
  for (const group of [doc.paths, doc.webhooks]) {
    for (const item of Object.values<Json>(group ?? {})) {
      for (const m of HTTP_METHODS) if (item[m]) visitOperation(item[m]);
    }
  }
}

/**
 * OpenAPI 3.0 spellings (what @nestjs/swagger writes) to 3.1: `nullable` becomes a type union
 * (or `anyOf` with `null` around a reference), and a property called `…At` that nobody typed is
 * a date-time (a bare `@ApiProperty()` on `string | null` otherwise reads as an empty object).
 */
export function toOpenApi31Schema(schema: Json, name?: string): void {
  if (name && /At$/.test(name) && isVagueOrPlainString(schema)) {
    if (schema.type === 'object') delete schema.type;
    schema.type = 'string';
    schema.format = 'date-time';
  }
  if (schema.nullable === true) {
    delete schema.nullable;
    if (schema.$ref || schema.allOf) {
      const inner = schema.$ref
        ? { $ref: schema.$ref }
        : schema.allOf.length === 1
          ? schema.allOf[0]
          : { allOf: schema.allOf };
      delete schema.$ref;
      delete schema.allOf;
      delete schema.type; // the referenced schema says what it is
      schema.anyOf = [inner, { type: 'null' }];
    } else if (typeof schema.type === 'string') {
      schema.type = [schema.type, 'null'];
      if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
    } else if (Array.isArray(schema.type) && !schema.type.includes('null')) {
      schema.type = [...schema.type, 'null'];
    }
  } else if (schema.nullable === false) {
    delete schema.nullable;
  }
}

function isVagueOrPlainString(schema: Json): boolean {
  const vagueObject = schema.type === 'object' && !schema.properties && !schema.additionalProperties;
  const plainString = schema.type === 'string' && !schema.format && !schema.enum;
  return vagueObject || plainString;
}

/** Components nobody references (e.g. a DTO replaced by the shared Problem schema) are dropped. */
export function pruneUnusedSchemas(doc: Json): void {
  const schemas: Json = doc.components?.schemas ?? {};
  for (;;) {
    const { components, ...rest } = doc;
    const { schemas: own, ...otherComponents } = components ?? {};
    const used = new Set<string>();
    collectRefs(rest, used);
    collectRefs(otherComponents, used);
    for (const [name, schema] of Object.entries<Json>(own ?? {}))
      if (used.has(name)) collectRefs(schema, used);
    // Fixed point: references from used schemas to others.
    let grew = true;
    while (grew) {
      grew = false;
      for (const name of [...used]) {
        const before = used.size;
        if (schemas[name]) collectRefs(schemas[name], used);
        if (used.size > before) grew = true;
      }
    }
    const unused = Object.keys(schemas).filter((n) => !used.has(n));
    if (unused.length === 0) return;
    for (const n of unused) delete schemas[n];
  }
}

function collectRefs(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const v of node) collectRefs(v, out);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/'))
        out.add(v.slice('#/components/schemas/'.length));
      else collectRefs(v, out);
    }
  }
}
