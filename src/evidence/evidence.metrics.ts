// Evidence archive's Prometheus metrics: downloads by outcome, archived bytes, the lag from the
// result's arrival to its image being archived, objects deleted, reads, and the queue (pending
// downloads, age of the oldest). Every label value exists at 0 from the start.
import { Injectable } from '@nestjs/common';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';

export const EVIDENCE_DOWNLOADS_TOTAL = 'onekyc_evidence_downloads_total';
export const EVIDENCE_ARCHIVED_BYTES_TOTAL = 'onekyc_evidence_archived_bytes_total';
export const EVIDENCE_ARCHIVE_LAG = 'onekyc_evidence_archive_lag_seconds';
export const EVIDENCE_OBJECTS_DELETED_TOTAL = 'onekyc_evidence_objects_deleted_total';
export const EVIDENCE_READS_TOTAL = 'onekyc_evidence_reads_total';
export const EVIDENCE_PENDING = 'onekyc_evidence_pending_downloads';
export const EVIDENCE_OLDEST_PENDING_AGE = 'onekyc_evidence_oldest_pending_age_seconds';

/** archived; retrying (a failed attempt that will be tried again); failed, expired (gave up); dropped (no URL of that kind). */
const DOWNLOAD_OUTCOMES = ['archived', 'retrying', 'failed', 'expired', 'dropped'] as const;
export type DownloadResult = (typeof DOWNLOAD_OUTCOMES)[number];
const READ_OUTCOMES = ['served', 'not_archived', 'erased', 'missing', 'unreadable'] as const;
export type ReadOutcome = (typeof READ_OUTCOMES)[number];

export const evidenceMetricProviders = [
  makeCounterProvider({
    name: EVIDENCE_DOWNLOADS_TOTAL,
    help: 'Evidence image download attempts by result: archived, retrying, failed (permanent), expired (URL expired first), dropped',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: EVIDENCE_ARCHIVED_BYTES_TOTAL,
    help: 'Bytes of evidence images archived (before encryption)',
  }),
  makeHistogramProvider({
    name: EVIDENCE_ARCHIVE_LAG,
    help: 'Seconds from a result with image URLs being applied to its image being archived',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86400],
  }),
  makeCounterProvider({
    name: EVIDENCE_OBJECTS_DELETED_TOTAL,
    help: 'Archived evidence objects deleted from the store (erasure, retention)',
  }),
  makeCounterProvider({
    name: EVIDENCE_READS_TOTAL,
    help: 'Reads of archived evidence by outcome: served, not_archived, erased, missing (row without object), unreadable',
    labelNames: ['outcome'],
  }),
  makeGaugeProvider({
    name: EVIDENCE_PENDING,
    help: 'Evidence images waiting to be downloaded (as of the last check on this instance, every 10 s)',
  }),
  makeGaugeProvider({
    name: EVIDENCE_OLDEST_PENDING_AGE,
    help: 'Age in seconds of the oldest evidence image still waiting to be downloaded (0 when none)',
  }),
];

@Injectable()
export class EvidenceMetrics {
  constructor(
    @InjectMetric(EVIDENCE_DOWNLOADS_TOTAL) private readonly downloads: Counter<string>,
    @InjectMetric(EVIDENCE_ARCHIVED_BYTES_TOTAL) private readonly bytes: Counter<string>,
    @InjectMetric(EVIDENCE_ARCHIVE_LAG) private readonly lag: Histogram<string>,
    @InjectMetric(EVIDENCE_OBJECTS_DELETED_TOTAL) private readonly deleted: Counter<string>,
    @InjectMetric(EVIDENCE_READS_TOTAL) private readonly reads: Counter<string>,
    @InjectMetric(EVIDENCE_PENDING) private readonly pending: Gauge<string>,
    @InjectMetric(EVIDENCE_OLDEST_PENDING_AGE) private readonly oldestAge: Gauge<string>,
  ) {
    for (const outcome of DOWNLOAD_OUTCOMES) downloads.inc({ outcome }, 0);
    for (const outcome of READ_OUTCOMES) reads.inc({ outcome }, 0);
    bytes.inc(0);
    deleted.inc(0);
  }

  download(outcome: DownloadResult): void {
    this.downloads.inc({ outcome });
  }

  archived(size: number, lagSeconds: number): void {
    this.downloads.inc({ outcome: 'archived' });
    this.bytes.inc(size);
    this.lag.observe(lagSeconds);
  }

  objectsDeleted(n: number): void {
    if (n > 0) this.deleted.inc(n);
  }

  read(outcome: ReadOutcome): void {
    this.reads.inc({ outcome });
  }

  queue(pending: number, oldestAgeSeconds: number): void {
    this.pending.set(pending);
    this.oldestAge.set(oldestAgeSeconds);
  }
}
