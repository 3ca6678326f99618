// Evidence archive: the operators' list of a submission's evidence (no key, no URL, no bytes).
import { ApiProperty } from '@nestjs/swagger';
import { EvidenceSummaryDto } from '../identity/identity.dto.js';

export class AdminEvidenceDto extends EvidenceSummaryDto {
  @ApiProperty({ description: 'Download attempts so far' }) attempts: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why the last attempt failed (HTTP status, timeout, not an image, too large)',
  })
  lastError: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) archivedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) erasedAt: Date | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: "When the provider's link stops working",
  })
  urlExpiresAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'PENDING only' })
  nextAttemptAt: Date | null;
}

export class AdminEvidenceListDto {
  @ApiProperty({ type: [AdminEvidenceDto] }) data: AdminEvidenceDto[];
}
