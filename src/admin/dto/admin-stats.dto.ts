// The answer of GET /admin/stats.
import { ApiProperty } from '@nestjs/swagger';

export class ReconciliationRunDto {
  @ApiProperty({ example: '311' })
  id: string;

  @ApiProperty({ example: 'orchestrator-7c9d-1' })
  instanceId: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2025-11-26T05:40:00.004Z' })
  startedAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2025-11-26T05:40:01.212Z' })
  finishedAt: string | null;

  @ApiProperty({ example: 12 })
  claimed: number;

  @ApiProperty({ example: 3 })
  updated: number;

  @ApiProperty({ example: 8 })
  unchanged: number;

  @ApiProperty({ example: 1 })
  failed: number;

  @ApiProperty({ example: 0 })
  expired: number;

  @ApiProperty({ type: Number, nullable: true, example: 1208 })
  durationMs: number | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  error: string | null;
}

export class ReasonCodeCountDto {
  @ApiProperty({ example: 'DUKCAPIL_REJECTED' })
  reasonCode: string;

  @ApiProperty({ example: 5100 })
  count: number;
}

export class DailyStatsDto {
  @ApiProperty({ description: 'The UTC day', example: '2025-11-26' })
  date: string;

  @ApiProperty({ description: 'Verifications created that day', example: 3200 })
  created: number;

  @ApiProperty({ description: 'Of those, now VALID', example: 2900 })
  valid: number;

  @ApiProperty({ example: 150 })
  invalid: number;

  @ApiProperty({ example: 20 })
  rejected: number;

  @ApiProperty({ description: 'Of those, now ERROR, EXPIRED or INITIATION_FAILED', example: 80 })
  failed: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Median seconds from creation to a result, for those with one',
    example: 94.5,
  })
  medianSecondsToResult: number | null;

  @ApiProperty({ type: Number, nullable: true, description: '90th percentile of the same', example: 410 })
  p90SecondsToResult: number | null;
}

export class WebhookDeliveryStatsDto {
  @ApiProperty({ description: 'Not yet delivered (including retrying)', example: 4 })
  pending: number;

  @ApiProperty({ description: 'Pending after at least one failed attempt', example: 1 })
  retrying: number;

  @ApiProperty({ example: 120000 })
  succeeded: number;

  @ApiProperty({ description: 'Gave up after the retry schedule (retry or replay them)', example: 2 })
  failed: number;
}

export class AdminStatsDto {
  @ApiProperty({ example: 1000000 })
  total: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Every status, zero included',
    example: {
      INITIATED: 1200,
      IN_PROGRESS: 310,
      PARTIALLY_COMPLETED: 42,
      COMPLETED: 958000,
      ERROR: 1800,
      EXPIRED: 38000,
      INITIATION_FAILED: 648,
    },
  })
  byStatus: Record<string, number>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Every result, zero included, and `none` for submissions without one',
    example: { VALID: 901000, INVALID: 52000, REJECTED: 5000, none: 42000 },
  })
  byResult: Record<string, number>;

  @ApiProperty({ description: 'Submissions not in a terminal status', example: 1552 })
  pending: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2025-11-19T06:02:11.000Z' })
  oldestPendingCreatedAt: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 603540 })
  oldestPendingAgeSeconds: number | null;

  @ApiProperty({ description: 'Submissions flagged has_conflict', example: 3 })
  conflicts: number;

  @ApiProperty({ description: 'Callbacks for sessions we never issued, not yet resolved', example: 2 })
  quarantinedCallbacks: number;

  @ApiProperty({
    type: [ReasonCodeCountDto],
    description: 'The 20 most frequent reason codes, most frequent first',
  })
  reasonCodes: ReasonCodeCountDto[];

  @ApiProperty({ type: [DailyStatsDto], description: 'The last 14 UTC days, oldest first, today included' })
  perDay: DailyStatsDto[];

  @ApiProperty({ type: WebhookDeliveryStatsDto })
  webhookDeliveries: WebhookDeliveryStatsDto;

  @ApiProperty({ type: [ReconciliationRunDto], description: 'The last 10 reconciliation runs, newest first' })
  reconciliationRuns: ReconciliationRunDto[];

  @ApiProperty({ type: String, format: 'date-time', example: '2025-11-26T05:41:00.000Z' })
  generatedAt: string;
}
