// Partner webhooks, the operators' side: endpoints (secrets generated here, shown once, stored
// encrypted), test events, replays, the delivery log and manual retries. Every URL passes the
// SSRF policy before it is saved; deliveries check it again when they connect.
import { Injectable } from '@nestjs/common';
import { CursorCodec, CursorFilters, decodeCursorParam, nextPageCursor } from '../admin/admin-cursor.js';
import { DEFAULT_PAGE_SIZE } from '../admin/dto/admin-submissions.dto.js';
import { rangeStart } from '../admin/dto/query-validators.js';
import { validationProblem } from '../common/validation.js';
import { AppConfig } from '../config/app-config.js';
import { PiiCipher } from '../submissions/pii/pii-cipher.js';
import { checkEndpointUrl } from './webhook-address-policy.js';
import { WebhookDeliveryService } from './webhook-delivery.service.js';
import { generateSecret } from './webhook-secret.js';
import { WebhookSender } from './webhook-sender.js';
import { DeliveryRow, EndpointRow, WebhooksRepository } from './webhooks.repository.js';
import {
  CreateWebhookEndpointDto,
  ReplayAcceptedDto,
  ReplayWebhookEventsDto,
  RotatedSecretDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointCreatedDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
} from './dto/webhook-endpoints.dto.js';
import {
  ListWebhookDeliveriesQueryDto,
  WebhookDeliveryDto,
  WebhookDeliveryListDto,
} from './dto/webhook-deliveries.dto.js';
import { WebhooksError } from './webhooks.errors.js';

/** After a rotation the previous secret signs too (a second signature) for this long. */
export const ROTATION_GRACE_HOURS = 24;

@Injectable()
export class WebhooksAdminService {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly repo: WebhooksRepository,
    private readonly pii: PiiCipher,
    private readonly delivery: WebhookDeliveryService,
    private readonly sender: WebhookSender,
    private readonly config: AppConfig,
  ) {
    this.cursors = new CursorCodec(config.pii.blindIndexKey);
  }

  async create(dto: CreateWebhookEndpointDto): Promise<WebhookEndpointCreatedDto> {
    await this.checkUrl(dto.url);
    const secret = generateSecret();
    const row = await this.repo.createEndpoint({
      url: dto.url,
      description: dto.description ?? null,
      events: dto.events ?? [],
      secretEnc: this.pii.encrypt(secret),
    });
    return { ...toEndpoint(row), secret };
  }

  async list(): Promise<WebhookEndpointListDto> {
    return { data: (await this.repo.listEndpoints()).map(toEndpoint) };
  }

  async update(id: string, dto: UpdateWebhookEndpointDto): Promise<WebhookEndpointDto> {
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    const row = await this.repo.updateEndpoint(id, dto);
    if (!row) throw notFound(id);
    if (dto.enabled === true) this.delivery.nudge();
    return toEndpoint(row);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repo.deleteEndpoint(id))) throw notFound(id);
  }

  async rotateSecret(id: string): Promise<RotatedSecretDto> {
    const secret = generateSecret();
    const row = await this.repo.rotateSecret(id, this.pii.encrypt(secret), ROTATION_GRACE_HOURS);
    if (!row) throw notFound(id);
    return { secret, previousSecretExpiresAt: row.previous_secret_until!.toISOString() };
  }

  async sendTest(id: string): Promise<WebhookDeliveryDto> {
    const row = await this.repo.enqueueTest(id);
    if (!row) throw notFound(id);
    this.delivery.nudge();
    return toDelivery(row);
  }

  async replay(id: string, dto: ReplayWebhookEventsDto): Promise<ReplayAcceptedDto> {
    if (!(await this.repo.findEndpoint(id))) throw notFound(id);
    const deliveries = await this.repo.replay(
      id,
      rangeStart(dto.since),
      dto.until ? rangeStart(dto.until) : null,
    );
    this.delivery.nudge();
    return { deliveries };
  }

  async listDeliveries(q: ListWebhookDeliveriesQueryDto): Promise<WebhookDeliveryListDto> {
    const filters = { endpointId: q.endpointId, status: q.status, verificationId: q.verificationId };
    const bound: CursorFilters = { ...filters };
    const after = q.cursor ? decodeCursorParam(this.cursors, 'webhook-deliveries', q.cursor, bound) : null;
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repo.listDeliveries(filters, after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      data: page.map(toDelivery),
      nextCursor: nextPageCursor(this.cursors, 'webhook-deliveries', rows, page, bound),
    };
  }

  async retry(id: string): Promise<WebhookDeliveryDto> {
    if (!/^[1-9][0-9]{0,18}$/.test(id))
      throw validationProblem([{ field: 'id', message: 'id must be a delivery id' }]);
    const row = await this.repo.retryNow(id);
    if (row === null) throw new WebhooksError('WEBHOOK_DELIVERY_NOT_FOUND', `No webhook delivery ${id}`);
    if (row === 'in-flight') {
      throw new WebhooksError(
        'WEBHOOK_DELIVERY_IN_FLIGHT',
        `Webhook delivery ${id} has an attempt in flight; try again when it ends`,
      );
    }
    this.delivery.nudge();
    return toDelivery(row);
  }

  private async checkUrl(url: string): Promise<void> {
    const problem = await checkEndpointUrl(
      url,
      this.config.webhooks.allowPrivateNetworks,
      this.sender.resolver,
    );
    if (problem) throw validationProblem([{ field: 'url', message: problem }]);
  }
}

function notFound(id: string): WebhooksError {
  return new WebhooksError('WEBHOOK_ENDPOINT_NOT_FOUND', `No webhook endpoint ${id}`);
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

function toEndpoint(r: EndpointRow): WebhookEndpointDto {
  return {
    id: r.id,
    url: r.url,
    events: r.events,
    enabled: r.enabled,
    description: r.description,
    disabledReason: r.enabled ? null : r.disabled_reason,
    failingSince: iso(r.failing_since),
    lastSuccessAt: iso(r.last_success_at),
    previousSecretExpiresAt:
      r.previous_secret_until && r.previous_secret_until > new Date()
        ? r.previous_secret_until.toISOString()
        : null,
    createdAt: r.created_at.toISOString(),
  };
}

function toDelivery(r: DeliveryRow): WebhookDeliveryDto {
  return {
    id: String(r.id),
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    eventType: r.event_type,
    verificationId: r.submission_id,
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    nextAttemptAt: r.status === 'PENDING' ? iso(r.next_attempt_at) : null,
    lastAttemptAt: iso(r.last_attempt_at),
    deliveredAt: iso(r.delivered_at),
    createdAt: r.created_at.toISOString(),
  };
}
