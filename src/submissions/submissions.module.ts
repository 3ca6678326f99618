import { Module } from '@nestjs/common';
import { IdentityWarningMetrics, identityWarningMetricProviders } from './identity-warnings.js';
import { PiiCipher } from './pii/pii-cipher.js';
import { PiiReencryptionService } from './pii/pii-reencryption.service.js';
import { SubmissionPollsRepository } from './submission-polls.repository.js';
import { SubmissionsRepository } from './submissions.repository.js';

/** The submission store: the heart every other module writes through (they import this module). */
@Module({
  providers: [
    ...identityWarningMetricProviders,
    IdentityWarningMetrics,
    PiiCipher,
    SubmissionsRepository,
    SubmissionPollsRepository,
    PiiReencryptionService,
  ],
  exports: [PiiCipher, SubmissionsRepository, SubmissionPollsRepository, PiiReencryptionService],
})
export class SubmissionsModule {}
