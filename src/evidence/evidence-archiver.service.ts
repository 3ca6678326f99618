// Evidence archive: the download engine. A LeaseWorker claims due rows (SKIP LOCKED, leased longer
// than one download may take) and, outside any transaction, downloads the image from the URL the
// provider sent (decrypted only here), checks it is an image within the size cap, encrypts it and
// writes it to the store, then records the outcome fenced by the attempt number. Transient
// failures are retried with backoff until shortly before the URL expires; a URL that expires
// first ends EXPIRED, a permanent failure FAILED. The same worker deletes the objects of erased
// rows that an interrupted erasure left behind.
//
// Crash safety: the object's key is written to the row before the object is (recordIntent), so an
// attempt killed between the write and its record leaves a key the next attempt (or the erasure)
// deletes; the store itself never shows a partial object (see the stores).
import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { LeaseWorker } from '../jobs/lease-worker.js';
import { PiiCipher } from '../submissions/pii/pii-cipher.js';
import { SubmissionsRepository } from '../submissions/submissions.repository.js';
import { EvidenceCipher } from './evidence-cipher.js';
import { EVIDENCE_FOLLOW_UP } from './evidence-follow-up.js';
import { EVIDENCE_STORE, EvidenceStore } from './evidence-store.js';
import { ClaimedEvidence, ClaimedGroup, EvidenceRepository } from './evidence.repository.js';
import { EvidenceMetrics } from './evidence.metrics.js';
import { ImageDownloader } from './image-downloader.js';
import { EXPIRY_MARGIN_MS, retryDelayMs, urlExpiry } from './image-url.js';

const QUEUE_GAUGE_INTERVAL_MS = 10_000;
/** Beyond the downloads' own timeouts: time to encrypt, write to the store and record. */
const LEASE_MARGIN_SECONDS = 15;

@Injectable()
export class EvidenceArchiver implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EvidenceArchiver.name);
  /** None with EVIDENCE_CONCURRENCY=0: an instance kept for live traffic in a split deployment. */
  private readonly worker: LeaseWorker<ClaimedGroup> | null;

  constructor(
    config: AppConfig,
    private readonly repo: EvidenceRepository,
    private readonly submissions: SubmissionsRepository,
    private readonly pii: PiiCipher,
    private readonly cipher: EvidenceCipher,
    private readonly downloader: ImageDownloader,
    private readonly metrics: EvidenceMetrics,
    @Inject(EVIDENCE_STORE) private readonly store: EvidenceStore,
  ) {
    this.worker =
      config.evidence.concurrency > 0
        ? new LeaseWorker<ClaimedGroup>({
            name: 'evidence',
            claim: (limit, lease) => this.repo.claimDue(limit, lease),
            handle: (group) => this.handle(group),
            concurrency: config.evidence.concurrency,
            // A verification's (up to three) images are downloaded one after the other.
            leaseSeconds: 3 * Math.ceil(config.evidence.downloadTimeoutMs / 1000) + LEASE_MARGIN_SECONDS,
            pollIntervalMs: config.evidence.pollIntervalMs,
            gauges: { intervalMs: QUEUE_GAUGE_INTERVAL_MS, refresh: () => this.refreshQueueGauges() },
          })
        : null;
  }

  /** The download queue rides on every statement that changes a verification. */
  onModuleInit(): void {
    this.submissions.registerFollowUp(EVIDENCE_FOLLOW_UP);
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.store.init?.();
    } catch (err) {
      // Loud, but the service still answers: downloads fail and retry (counted) until it is fixed.
      this.logger.error(
        { store: this.store.kind, err: (err as Error).message },
        'evidence store not usable (EVIDENCE_DIR not writable?): images cannot be archived',
      );
    }
    if (this.worker) this.worker.start();
    else
      this.logger.log(
        'EVIDENCE_CONCURRENCY=0: this instance queues image downloads and leaves them to the others',
      );
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.stop();
    await this.downloader.close();
    this.store.close?.();
  }

  /** Downloads were just queued in this process: look now rather than at the next poll. */
  nudge(): void {
    this.worker?.nudge();
  }

  /**
   * One verification's claimed rows: objects of erased rows deleted; then its image URLs are
   * decrypted once, kinds the result did not carry dropped, URLs already expired settled in one
   * statement, and the rest downloaded side by side.
   */
  private async handle(g: ClaimedGroup): Promise<void> {
    for (const r of g.rows.filter((r) => r.status === 'ERASED')) await this.deleteErased(r);
    const pending = g.rows.filter((r) => r.status === 'PENDING');
    if (pending.length === 0) return;
    for (const r of pending) {
      // An earlier attempt died after choosing this key: whatever it wrote goes.
      if (r.store_key) await this.store.delete(r.store_key);
    }
    if (g.piiRedactedAt || !g.imageUrlsEnc) {
      await this.repo.markErased([g.submissionId]);
      return;
    }
    const urls = this.pii.decryptJson<Record<string, unknown>>(g.imageUrlsEnc) ?? {};
    const receivedAt = g.imageUrlsReceivedAt ?? pending[0].created_at;
    const absent: ClaimedEvidence[] = [];
    const expired: ClaimedEvidence[] = [];
    const work: { row: ClaimedEvidence; url: string; expiresAt: Date }[] = [];
    for (const row of pending) {
      const url = urls[row.kind];
      if (typeof url !== 'string' || url.length === 0) {
        absent.push(row);
        continue;
      }
      const expiresAt = urlExpiry(url, receivedAt);
      if (Date.now() >= expiresAt.getTime()) expired.push(row);
      else work.push({ row, url, expiresAt });
    }
    if (absent.length) {
      await this.repo.drop(absent);
      for (let i = 0; i < absent.length; i++) this.metrics.download('dropped');
    }
    if (expired.length) {
      const settled = await this.repo.recordGaveUp(
        expired,
        'EXPIRED',
        'the URL had expired before the download',
        null,
      );
      this.gaveUp(expired, settled, 'EXPIRED', 'the URL had expired before the download');
    }
    // One after the other: downloads in flight (and image bytes in memory) stay at EVIDENCE_CONCURRENCY.
    let failure: unknown = null;
    for (const w of work) {
      try {
        await this.archive(w.row, w.url, w.expiresAt);
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure) throw failure;
  }

  /** One image: download, check, encrypt, store, record (fenced by the attempt number). */
  private async archive(item: ClaimedEvidence, url: string, expiresAt: Date): Promise<void> {
    const { id, attempts } = item;
    const out = await this.downloader.download(url);
    if (out.kind === 'expired') return this.giveUp(item, 'EXPIRED', out.error, expiresAt);
    if (out.kind === 'permanent') return this.giveUp(item, 'FAILED', out.error, expiresAt);
    if (out.kind === 'transient') return this.retryOrExpire(item, out.error, expiresAt);

    const storeKey = `${item.submission_id}/${item.kind}.${randomUUID()}.okev`;
    if (!(await this.repo.recordIntent(id, attempts, storeKey, expiresAt))) return;
    const sealed = this.cipher.seal(out.bytes, storeKey);
    try {
      await this.store.put(storeKey, sealed.body);
    } catch (err) {
      this.logger.warn({ evidenceId: id, err: (err as Error).message }, 'evidence store write failed');
      await this.store.delete(storeKey).catch(() => undefined);
      return this.retryOrExpire(item, `store write failed: ${(err as Error).name}`, expiresAt);
    }
    const lag = await this.repo.recordArchived(id, attempts, {
      contentType: out.contentType,
      size: out.bytes.length,
      sha256: out.sha256,
      storeKey,
      wrappedKey: sealed.wrappedKey,
    });
    if (lag === null) {
      // The row moved on while we worked (erased, or the lease was lost and taken over).
      await this.store.delete(storeKey);
      await this.repo.recordObjectDeleted(id, storeKey);
      this.logger.warn({ evidenceId: id, attempt: attempts }, 'evidence archived too late: object discarded');
      return;
    }
    this.metrics.archived(out.bytes.length, lag);
  }

  private async retryOrExpire(item: ClaimedEvidence, error: string, expiresAt: Date): Promise<void> {
    const delayMs = retryDelayMs(item.attempts, Math.random());
    if (Date.now() + delayMs > expiresAt.getTime() - EXPIRY_MARGIN_MS) {
      await this.giveUp(
        item,
        'EXPIRED',
        `the URL expires before another attempt (last: ${error})`,
        expiresAt,
      );
      return;
    }
    await this.repo.recordRetry(item.id, item.attempts, delayMs / 1000, error, expiresAt);
    this.metrics.download('retrying');
  }

  private async giveUp(
    item: ClaimedEvidence,
    status: 'FAILED' | 'EXPIRED',
    error: string,
    expiresAt: Date | null,
  ): Promise<void> {
    const settled = await this.repo.recordGaveUp([item], status, error, expiresAt);
    this.gaveUp([item], settled, status, error);
  }

  private gaveUp(
    items: ClaimedEvidence[],
    settled: string[],
    status: 'FAILED' | 'EXPIRED',
    error: string,
  ): void {
    for (const item of items.filter((i) => settled.includes(i.id))) {
      this.metrics.download(status === 'FAILED' ? 'failed' : 'expired');
      this.logger.warn(
        { evidenceId: item.id, submissionId: item.submission_id, kind: item.kind, status, error },
        'evidence image not archived',
      );
    }
  }

  /** An erased row whose object is still in the store (an erasure interrupted before deleting it). */
  private async deleteErased(item: ClaimedEvidence): Promise<void> {
    try {
      await this.store.delete(item.store_key!);
    } catch (err) {
      await this.repo.releaseLease(item.id);
      throw err;
    }
    if (await this.repo.recordObjectDeleted(item.id, item.store_key!)) this.metrics.objectsDeleted(1);
  }

  private async refreshQueueGauges(): Promise<void> {
    try {
      const s = await this.repo.pendingSummary();
      this.metrics.queue(s.pending, s.oldestAgeSeconds);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'evidence queue gauges not refreshed');
    }
  }
}
