import { Global, Module } from '@nestjs/common';
import { PiiCipher } from './pii/pii-cipher.js';
import { PiiReencryptionService } from './pii/pii-reencryption.service.js';
import { SubmissionsRepository } from './submissions.repository.js';

/** The submission store: the heart every other module writes through. */
@Global()
@Module({
  providers: [PiiCipher, SubmissionsRepository, PiiReencryptionService],
  exports: [PiiCipher, SubmissionsRepository, PiiReencryptionService],
})
export class SubmissionsModule {}
