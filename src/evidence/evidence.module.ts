// Evidence archive: the provider's KTP and selfie images, downloaded when a result brings their
// URLs, encrypted and kept in a store (fs or s3) for as long as the verification's personal data
// is kept. Global: the identity read and the erasure path reach it through EVIDENCE_CATALOG.
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { EVIDENCE_CATALOG } from '../common/evidence-ports.js';
import { SubmissionsModule } from '../submissions/submissions.module.js';
import { EvidenceArchiver } from './evidence-archiver.service.js';
import { EvidenceCatalog } from './evidence-catalog.js';
import { EvidenceCipher } from './evidence-cipher.js';
import { EVIDENCE_STORE, EvidenceStore } from './evidence-store.js';
import { EvidenceExternalController } from './evidence.controller.external.js';
import { EvidenceAdminController } from './evidence.controller.internal.js';
import { evidenceMetricProviders, EvidenceMetrics } from './evidence.metrics.js';
import { EvidenceRepository } from './evidence.repository.js';
import { FsEvidenceStore } from './fs-evidence-store.js';
import { ImageDownloader } from './image-downloader.js';

/**
 * The configured store. The AWS SDK is loaded only for `s3` (it costs about 300 ms of start-up
 * and 20 MiB of memory that an `fs` deployment does not need).
 */
export async function createEvidenceStore(config: AppConfig): Promise<EvidenceStore> {
  const e = config.evidence;
  if (e.store === 's3' && e.s3) {
    const { S3EvidenceStore } = await import('./s3-evidence-store.js');
    return new S3EvidenceStore(e.s3);
  }
  return new FsEvidenceStore(e.dir);
}

@Global()
@Module({
  imports: [SubmissionsModule],
  controllers: [EvidenceAdminController, EvidenceExternalController],
  providers: [
    EvidenceRepository,
    EvidenceCipher,
    ImageDownloader,
    EvidenceMetrics,
    ...evidenceMetricProviders,
    { provide: EVIDENCE_STORE, useFactory: createEvidenceStore, inject: [AppConfig] },
    EvidenceArchiver,
    EvidenceCatalog,
    { provide: EVIDENCE_CATALOG, useExisting: EvidenceCatalog },
  ],
  exports: [EVIDENCE_CATALOG, EvidenceCatalog, EvidenceArchiver],
})
export class EvidenceModule {}
