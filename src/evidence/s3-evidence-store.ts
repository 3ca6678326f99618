// Evidence archive: the `s3` store, for any S3-compatible service through the AWS SDK. Credentials
// come from the SDK's default chain (environment, shared files, web identity, instance or task
// role); nothing secret is configured here. A PutObject is atomic: the object exists whole, with
// its checksum verified by the service, or not at all.
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { EvidenceStore, isSafeStoreKey } from './evidence-store.js';

export interface S3StoreOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
}

export class S3EvidenceStore implements EvidenceStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(private readonly options: S3StoreOptions) {
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle,
      maxAttempts: 3,
    });
  }

  async put(key: string, body: Buffer): Promise<void> {
    check(key);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: 'application/octet-stream',
        ContentMD5: createHash('md5').update(body).digest('base64'),
      }),
    );
  }

  async get(key: string): Promise<Buffer | null> {
    check(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (!out.Body) return null;
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      if (err instanceof NoSuchKey) return null;
      if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    check(key);
    // DeleteObject answers success for a missing key: deleting twice is fine.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
  }

  close(): void {
    this.client.destroy();
  }
}

function check(key: string): void {
  if (!isSafeStoreKey(key)) throw new Error('invalid evidence store key');
}
