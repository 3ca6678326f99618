// Partner webhooks: every change of a verification reaches the partner's endpoints, signed, at
// least once. The outbox rows are written by the submission store's own statement (the follow-up
// registered here); delivery, retries and the admin routes live in this room.
import { Module } from '@nestjs/common';
import { SubmissionsModule } from '../submissions/submissions.module.js';
import { WebhookDeliveryService } from './webhook-delivery.service.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhooksAdminService } from './webhooks-admin.service.js';
import { WebhookDeliveriesController, WebhookEndpointsController } from './webhooks.controller.internal.js';
import { webhookMetricProviders, WebhooksMetrics } from './webhooks.metrics.js';
import { WebhooksRepository } from './webhooks.repository.js';

@Module({
  imports: [SubmissionsModule],
  controllers: [WebhookEndpointsController, WebhookDeliveriesController],
  providers: [
    WebhooksRepository,
    WebhookSender,
    WebhookDeliveryService,
    WebhooksAdminService,
    WebhooksMetrics,
    ...webhookMetricProviders,
  ],
  exports: [WebhookDeliveryService],
})
export class WebhooksModule {}
