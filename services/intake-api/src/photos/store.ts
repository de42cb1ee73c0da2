/**
 * The photo store: objects in an S3 bucket (s3proxy locally, any S3-compatible store in a deployment; ADR 0021).
 * Keys are random, never derived from the reporter or the case: `pending/<key>` from upload until a command that
 * names the photo is accepted, then `cases/<key>`.
 */
import { createHash } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { DependencyUnavailableError } from '@gridgov/http';

export interface PhotoStoreConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly forcePathStyle: boolean;
}

export type PhotoPlace = 'pending' | 'cases';
const PHOTO_KEY = /^[0-9a-f]{32}$/;
const objectKey = (place: PhotoPlace, key: string) => `${place}/${key}`;

/** Errors of the store that are its fault or its absence (network, 5xx), as opposed to "no such object". */
function unavailable(what: string, err: unknown): never {
  throw new DependencyUnavailableError('photos', what, err);
}
const isMissing = (err: unknown) =>
  err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404);

export class PhotoStore {
  private readonly s3: S3Client;
  constructor(private readonly config: PhotoStoreConfig) {
    this.s3 = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      // Checksums the S3 API has always had (Content-MD5 below) rather than the SDK's newer default trailers, which
      // not every S3-compatible store takes.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 2,
    });
  }

  get bucket(): string {
    return this.config.bucket;
  }

  /** One PUT with Content-MD5: the store keeps the whole object or nothing. */
  async put(key: string, bytes: Buffer, contentType: string, sha256: string): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: objectKey('pending', key),
          Body: bytes,
          ContentType: contentType,
          ContentLength: bytes.length,
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
          Metadata: { sha256 },
        }),
      );
    } catch (err) {
      unavailable('the photo was not stored', err);
    }
  }

  /** The photo's bytes, wherever it is now, or undefined. */
  async get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined> {
    for (const place of ['cases', 'pending'] as const) {
      try {
        const res = await this.s3.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: objectKey(place, key) }));
        const bytes = await res.Body!.transformToByteArray();
        return { bytes, contentType: res.ContentType ?? 'application/octet-stream' };
      } catch (err) {
        if (!isMissing(err)) unavailable('the photo could not be read', err);
      }
    }
    return undefined;
  }

  /** Moves a photo from pending/ to cases/ (copy, then delete: a crash between the two leaves both, never neither). */
  async promote(key: string): Promise<void> {
    try {
      await this.s3.send(
        new CopyObjectCommand({
          Bucket: this.config.bucket,
          Key: objectKey('cases', key),
          CopySource: `${this.config.bucket}/${objectKey('pending', key)}`,
        }),
      );
    } catch (err) {
      if (isMissing(err)) return; // promoted before (by another instance)
      unavailable('the photo could not be moved', err);
    }
    await this.delete('pending', key);
  }

  async delete(place: PhotoPlace, key: string): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: objectKey(place, key) }));
    } catch (err) {
      if (!isMissing(err)) unavailable('the photo could not be deleted', err);
    }
  }

  /** The objects under pending/: key and when stored. */
  async *pending(): AsyncGenerator<{ key: string; lastModified: Date }> {
    let token: string | undefined;
    do {
      const res = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: 'pending/', ContinuationToken: token }),
      );
      for (const o of res.Contents ?? []) {
        // Photos only (a filesystem backend also lists its folders, e.g. `pending/`).
        const key = o.Key?.slice('pending/'.length);
        if (key && PHOTO_KEY.test(key) && o.LastModified) yield { key, lastModified: o.LastModified };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  destroy(): void {
    this.s3.destroy();
  }
}
