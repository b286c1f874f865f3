import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ArchiveStore } from '#ports/archive-store.ts';

/** Tries of a create-only put that S3 answers 409 ConditionalRequestConflict (a racing write). */
const CONFLICT_ATTEMPTS = 3;

export interface S3ArchiveStoreOptions {
  client: S3Client;
  bucket: string;
}

/**
 * The audit archive in an S3 bucket with Object Lock. Each put locks its version in compliance
 * mode until `retainUntil`: no one, the root user included, can delete that version or shorten its
 * retention until then (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html). A
 * lock does not stop a new version over the key: the put is create-only for that.
 */
export class S3ArchiveStore implements ArchiveStore {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(options: S3ArchiveStoreOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
  }

  async put(key: string, body: string, retainUntil: string): Promise<'created' | 'exists'> {
    const bytes = Buffer.from(body, 'utf8');
    const command = () =>
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: bytes,
        ContentType: key.endsWith('.json') ? 'application/json' : key.endsWith('.pem') ? 'application/x-pem-file' : 'application/x-ndjson',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date(retainUntil),
        // S3 refuses a put with Object Lock retention unless it carries Content-MD5 or a checksum
        // (x-amz-sdk-checksum-algorithm with its x-amz-checksum-*): PutObject's ContentMD5
        // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html). SHA-256 is given,
        // not left to the SDK, so S3 checks the very bytes whose hash the digest names.
        ChecksumAlgorithm: 'SHA256',
        ChecksumSHA256: createHash('sha256').update(bytes).digest('base64'),
        // Create only: S3 answers 412 PreconditionFailed when the key has a current version, and 409
        // ConditionalRequestConflict to one of two racing writes, to be retried
        // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html). The bucket
        // policy denies a PutObject without it (infra/constructs/audit-archive.ts).
        IfNoneMatch: '*',
      });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#client.send(command());
        return 'created';
      } catch (err) {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 412 || (err as { name?: string }).name === 'PreconditionFailed') return 'exists';
        if ((status === 409 || (err as { name?: string }).name === 'ConditionalRequestConflict') && attempt < CONFLICT_ATTEMPTS) continue;
        throw err;
      }
    }
  }

  async get(key: string): Promise<string | null> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return out.Body ? await out.Body.transformToString('utf8') : '';
    } catch (err) {
      // NoSuchKey, or a key whose current version is a delete marker (also 404 NoSuchKey).
      if ((err as { name?: string }).name === 'NoSuchKey') return null;
      throw err;
    }
  }

  /** ListObjectsV2 returns keys in ascending UTF-8 order, at most 1,000 a page. */
  async list(prefix: string, options: { startAfter?: string; limit: number }): Promise<{ keys: string[]; more: boolean }> {
    const keys: string[] = [];
    let token: string | undefined;
    let more = false;
    do {
      const out = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: prefix,
          MaxKeys: Math.min(1000, options.limit - keys.length),
          ...(token ? { ContinuationToken: token } : options.startAfter ? { StartAfter: options.startAfter } : {}),
        }),
      );
      for (const object of out.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      more = out.IsTruncated === true;
      token = out.NextContinuationToken;
    } while (more && token && keys.length < options.limit);
    return { keys, more };
  }
}

export interface S3ClientConfig {
  region: string;
  /** The local S3-wire server's http://127.0.0.1:<port>, path-style; absent in AWS. */
  endpoint?: string;
}

/**
 * An S3 client: in AWS the default credentials and, where AWS_USE_FIPS_ENDPOINT is set, FIPS
 * endpoints; locally, path-style to the sandbox's server with dummy credentials.
 */
export function s3Client(config: S3ClientConfig): S3Client {
  const retry = { maxAttempts: 5, retryMode: 'standard' } as const;
  return config.endpoint
    ? new S3Client({
        ...retry,
        region: config.region,
        endpoint: config.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      })
    : new S3Client({ ...retry, region: config.region });
}
