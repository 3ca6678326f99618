// Requests and answers of /admin/webhook-deliveries: the delivery log (one row per endpoint and
// event, with its attempts and last outcome).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../admin/dto/admin-submissions.dto.js';
import { WEBHOOK_EVENT_TYPES } from '../webhook-outbox.js';
import type { DeliveryStatus } from '../webhooks.repository.js';

export const DELIVERY_STATUSES: DeliveryStatus[] = ['PENDING', 'SUCCEEDED', 'FAILED'];

export class ListWebhookDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', example: '3b0f6a4e-8a51-4c6b-9d0e-2f1c7a9b5d10' })
  @IsOptional()
  @IsUUID('all', { message: 'endpointId must be a UUID' })
  endpointId?: string;

  @ApiPropertyOptional({ enum: DELIVERY_STATUSES, example: 'FAILED' })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The verification (submission) id',
    example: '6f1c2a9e-2b1d-4a51-9a57-0c1e8f3b2d44',
  })
  @IsOptional()
  @IsUUID('all', { message: 'verificationId must be a UUID' })
  verificationId?: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ example: '1042' })
  id: string;

  @ApiProperty({ format: 'uuid', example: '3b0f6a4e-8a51-4c6b-9d0e-2f1c7a9b5d10' })
  endpointId: string;

  @ApiProperty({
    format: 'uuid',
    description: 'The event id: the webhook-id header, the same on every retry',
    example: '8d7e0c1a-4b2f-4e8a-9c3d-5f6a7b8c9d0e',
  })
  eventId: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, example: 'verification.completed' })
  eventType: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    example: '6f1c2a9e-2b1d-4a51-9a57-0c1e8f3b2d44',
  })
  verificationId: string | null;

  @ApiProperty({ enum: DELIVERY_STATUSES, example: 'PENDING' })
  status: DeliveryStatus;

  @ApiProperty({ description: 'Attempts made so far', example: 3 })
  attempts: number;

  @ApiProperty({ type: Number, nullable: true, description: 'HTTP status of the last answer', example: 503 })
  lastStatusCode: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'HTTP 503' })
  lastError: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-02T07:43:20.000Z' })
  nextAttemptAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-02T07:41:25.000Z' })
  lastAttemptAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  deliveredAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-12-02T07:41:20.123Z' })
  createdAt: string;
}

export class WebhookDeliveryListDto {
  @ApiProperty({ type: [WebhookDeliveryDto] })
  data: WebhookDeliveryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` (with the same filters) for the next page; null on the last page',
    example: 'eyJ2IjoxLCJrIjoid2ViaG9vay1kZWxpdmVyaWVzIn0.mC3n2qk0vQ',
  })
  nextCursor: string | null;
}
