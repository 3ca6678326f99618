// Partner webhooks: the delivery engine. A LeaseWorker claims due deliveries (SKIP LOCKED, leased
// a little longer than one attempt may take), sends each outside any transaction, and records the
// outcome with the next attempt's time from the retry schedule. Many instances share the work;
// a delivery row is held by one attempt at a time. A kill -9 loses nothing: the rows it held
// become due again when their lease runs out.
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { LeaseWorker } from '../jobs/lease-worker.js';
import { PiiCipher } from '../submissions/pii/pii-cipher.js';
import { SubmissionsRepository } from '../submissions/submissions.repository.js';
import { checkEndpointUrl } from './webhook-address-policy.js';
import { OUTBOX_FOLLOW_UP } from './webhook-outbox.js';
import { nextRetryDelaySeconds } from './webhook-retry.js';
import { WebhookSender } from './webhook-sender.js';
import { ClaimedDelivery, WebhooksRepository } from './webhooks.repository.js';
import { DeliveryOutcome, WebhooksMetrics } from './webhooks.metrics.js';

const QUEUE_GAUGE_INTERVAL_MS = 10_000;
/** Beyond the attempt's own timeout: time to sign, record, and for clocks to disagree. */
const LEASE_MARGIN_SECONDS = 30;

@Injectable()
export class WebhookDeliveryService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly worker: LeaseWorker<ClaimedDelivery>;

  constructor(
    private readonly config: AppConfig,
    private readonly repo: WebhooksRepository,
    private readonly sender: WebhookSender,
    private readonly pii: PiiCipher,
    private readonly metrics: WebhooksMetrics,
    private readonly submissions: SubmissionsRepository,
  ) {
    const w = config.webhooks;
    this.worker = new LeaseWorker<ClaimedDelivery>({
      name: 'webhooks',
      claim: (limit, lease) => this.repo.claimDue(limit, lease),
      handle: (d) => this.deliver(d),
      concurrency: w.concurrency,
      leaseSeconds: Math.ceil(w.timeoutMs / 1000) + LEASE_MARGIN_SECONDS,
      pollIntervalMs: w.pollIntervalMs,
      gauges: { intervalMs: QUEUE_GAUGE_INTERVAL_MS, refresh: () => this.refreshQueueGauges() },
    });
  }

  /** The outbox rides on every statement that changes a verification (before any is built). */
  onModuleInit(): void {
    this.submissions.registerFollowUp(OUTBOX_FOLLOW_UP);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureInitialEndpoint();
    this.worker.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker.stop();
  }

  /** Deliveries were made due in this process (test event, retry, replay): look now. */
  nudge(): void {
    this.worker.nudge();
  }

  /** One attempt for one claimed delivery, and its outcome recorded. */
  private async deliver(d: ClaimedDelivery): Promise<void> {
    const secrets = [this.pii.decrypt(d.secret_enc)];
    if (d.previous_secret_enc) secrets.push(this.pii.decrypt(d.previous_secret_enc));
    const outcome = await this.sender.send({ id: d.event_id, body: d.payload, url: d.url, secrets });
    const retryIn = outcome.ok
      ? null
      : nextRetryDelaySeconds(Math.max(1, d.attempts - d.retry_from), Math.random());
    const { recorded, disabledEndpointId } = await this.repo.recordAttempt({
      id: d.id,
      attempts: d.attempts,
      succeeded: outcome.ok,
      retryInSeconds: retryIn === null ? null : retryIn * this.config.webhooks.retryScale,
      statusCode: outcome.statusCode,
      error: outcome.error,
      response: outcome.response,
    });
    const result: DeliveryOutcome = outcome.ok ? 'succeeded' : retryIn === null ? 'failed' : 'retrying';
    this.metrics.attempted(outcome, result);
    if (!recorded) {
      // The lease ran out and another attempt took the row: that attempt's outcome stands.
      this.logger.warn(
        { deliveryId: d.id, attempt: d.attempts },
        'webhook attempt outcome not recorded (lease lost)',
      );
    }
    if (result === 'failed') {
      this.logger.warn(
        {
          deliveryId: d.id,
          endpointId: d.endpoint_id,
          eventId: d.event_id,
          attempts: d.attempts,
          error: outcome.error,
        },
        'webhook delivery failed after its last attempt',
      );
    }
    if (disabledEndpointId) {
      this.metrics.endpointDisabled();
      this.logger.error(
        { endpointId: disabledEndpointId },
        'webhook endpoint disabled: no successful delivery for 5 days',
      );
    }
  }

  private async refreshQueueGauges(): Promise<void> {
    try {
      const s = await this.repo.pendingSummary();
      this.metrics.queue(s.pending, s.oldestAgeSeconds);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'webhook queue gauges not refreshed');
    }
  }

  /** WEBHOOK_URL/WEBHOOK_SECRET: the endpoint is created once, if no endpoint has this URL. */
  private async ensureInitialEndpoint(): Promise<void> {
    const initial = this.config.webhooks.initialEndpoint;
    if (!initial) return;
    const problem = await checkEndpointUrl(
      initial.url,
      this.config.webhooks.allowPrivateNetworks,
      this.sender.resolver,
    );
    if (problem) throw new Error(`WEBHOOK_URL: ${problem}`);
    const created = await this.repo.ensureEndpoint(initial.url, this.pii.encrypt(initial.secret));
    if (created) this.logger.log('webhook endpoint created from WEBHOOK_URL');
  }
}
