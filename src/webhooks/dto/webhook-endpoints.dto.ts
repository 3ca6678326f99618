// Requests and answers of /admin/webhook-endpoints. The answer classes document the shape
// (OpenAPI); the service builds plain objects of these types.
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { ISO_DATE_OR_DATETIME, NotBefore } from '../../admin/dto/query-validators.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../webhook-outbox.js';

const URL_HELP =
  'Where events are POSTed. https only (http too where WEBHOOK_ALLOW_PRIVATE_NETWORKS is true); ' +
  'unless that variable is true, a host that resolves to a loopback, private, link-local or reserved address is refused, ' +
  'now and at every delivery.';
const EVENTS_HELP = 'The event types to send; empty or absent means all of them.';

export class CreateWebhookEndpointDto {
  @ApiProperty({ description: URL_HELP, example: 'https://partner.example/webhooks/onekyc', maxLength: 2048 })
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional({
    description: EVENTS_HELP,
    enum: WEBHOOK_EVENT_TYPES,
    isArray: true,
    example: ['verification.completed', 'verification.failed'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  events?: WebhookEventType[];

  @ApiPropertyOptional({
    description: 'For operators; never sent',
    example: 'Production back end',
    maxLength: 500,
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

/** Any field of the creation, and `enabled`. */
export class UpdateWebhookEndpointDto extends PartialType(CreateWebhookEndpointDto) {
  @ApiPropertyOptional({
    description:
      'false stops deliveries (pending ones wait); true resumes them and clears the failure streak',
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ReplayWebhookEventsDto {
  @ApiProperty({
    description:
      'First instant of the period (inclusive): ISO 8601 date (00:00 UTC) or date-time with a zone',
    example: '2026-12-01T00:00:00Z',
  })
  @IsString()
  @Matches(ISO_DATE_OR_DATETIME, { message: 'since must be an ISO 8601 date or date-time with a zone' })
  since: string;

  @ApiPropertyOptional({
    description: 'End of the period (exclusive), same format; absent means now',
    example: '2026-12-02T00:00:00Z',
  })
  @IsOptional()
  @IsString()
  @Matches(ISO_DATE_OR_DATETIME, { message: 'until must be an ISO 8601 date or date-time with a zone' })
  @NotBefore('since')
  until?: string;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid', example: '3b0f6a4e-8a51-4c6b-9d0e-2f1c7a9b5d10' })
  id: string;

  @ApiProperty({ example: 'https://partner.example/webhooks/onekyc' })
  url: string;

  @ApiProperty({
    enum: WEBHOOK_EVENT_TYPES,
    isArray: true,
    description: 'Empty means all types',
    example: [],
  })
  events: string[];

  @ApiProperty({ example: true })
  enabled: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'Production back end' })
  description: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why the endpoint is disabled (an operator, or 5 days without a successful delivery)',
    example: null,
  })
  disabledReason: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'First failed attempt since the last success (an endpoint failing for 5 days is disabled)',
    example: null,
  })
  failingSince: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-02T07:41:20.123Z' })
  lastSuccessAt: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Until then the previous secret signs too (a second signature), after a rotation',
    example: null,
  })
  previousSecretExpiresAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-12-02T07:41:20.123Z' })
  createdAt: string;
}

export class WebhookEndpointCreatedDto extends WebhookEndpointDto {
  @ApiProperty({
    description: 'The signing secret (Standard Webhooks). Shown only here and on rotation: store it now.',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw1d1Sx2xO7vU=',
  })
  secret: string;
}

export class WebhookEndpointListDto {
  @ApiProperty({ type: [WebhookEndpointDto] })
  data: WebhookEndpointDto[];
}

export class RotatedSecretDto {
  @ApiProperty({
    description:
      'The new secret, shown once. The previous one keeps signing (a second signature) for 24 hours.',
    example: 'whsec_2cQ8m4rVbq3v0yH5u9mU4nT0kW7sXz1aPqLr6eYd8fg=',
  })
  secret: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-12-03T07:41:20.123Z' })
  previousSecretExpiresAt: string;
}

export class ReplayAcceptedDto {
  @ApiProperty({
    description: 'Deliveries made due now (events of the period the endpoint subscribes to)',
    example: 42,
  })
  deliveries: number;
}
