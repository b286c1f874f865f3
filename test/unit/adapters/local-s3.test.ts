import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArchiveStore, s3Client } from '#adapters/aws/s3-archive-store.ts';
import { type LocalS3Server, startLocalS3 } from '#adapters/local/local-s3/s3-server.ts';
import { MemoryArchive } from '../use-cases/memory-archive.ts';
import { archiveStoreContract } from './archive-store-contract.ts';

let now = new Date('2026-12-03T15:00:00.000Z');
let server: LocalS3Server;
let client: S3Client;
let bucketCount = 0;
const buckets = Array.from({ length: 20 }, (_, i) => `bucket-${i}`);
const dataDir = mkdtempSync(join(tmpdir(), 'local-s3-'));

beforeAll(async () => {
  server = await startLocalS3({ buckets, dataDir, now: () => now });
  client = s3Client({ region: 'us-east-1', endpoint: server.endpoint });
});
afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

archiveStoreContract('S3ArchiveStore on the local S3 server', async () => new S3ArchiveStore({ client, bucket: buckets[bucketCount++]! }));
archiveStoreContract('MemoryArchive', async () => new MemoryArchive());

/** The S3 error a call failed with: its name (code) and HTTP status. */
async function refusal(call: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof S3ServiceException) return { name: err.name, status: err.$metadata.httpStatusCode };
    throw err;
  }
  throw new Error('the call succeeded');
}

const lockedPut = (bucket: string, key: string, body: string, until = '2027-12-03T15:00:00.000Z') =>
  client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date(until),
      ChecksumAlgorithm: 'SHA256',
    }),
  );

describe('local S3 server: Object Lock in compliance mode, as S3 holds it', () => {
  const bucket = 'bucket-19';

  it('refuses to delete a locked version (403 AccessDenied) and keeps it readable', async () => {
    const put = await lockedPut(bucket, 'digests/a.json', 'signed');
    expect(put.VersionId).toBeTruthy();
    expect(await refusal(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'digests/a.json', VersionId: put.VersionId! })))).toEqual({
      name: 'AccessDenied',
      status: 403,
    });
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'digests/a.json' }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate?.toISOString()).toBe('2027-12-03T15:00:00.000Z');
  });

  it('a delete without a version id only adds a delete marker: the locked version is still there by its id', async () => {
    const put = await lockedPut(bucket, 'digests/b.json', 'kept');
    const deleted = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'digests/b.json' }));
    expect(deleted.DeleteMarker).toBe(true);
    expect(await refusal(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'digests/b.json' })))).toEqual({ name: 'NoSuchKey', status: 404 });
    const byVersion = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'digests/b.json', VersionId: put.VersionId! }));
    expect(await byVersion.Body!.transformToString()).toBe('kept');
  });

  it('an overwrite adds a version; the locked one stays readable by its id', async () => {
    const first = await lockedPut(bucket, 'digests/c.json', 'first');
    await lockedPut(bucket, 'digests/c.json', 'second');
    const current = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'digests/c.json' }));
    expect(await current.Body!.transformToString()).toBe('second');
    const old = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'digests/c.json', VersionId: first.VersionId! }));
    expect(await old.Body!.transformToString()).toBe('first');
  });

  it('lets the version go once its retention has passed', async () => {
    const put = await lockedPut(bucket, 'digests/d.json', 'short', '2026-12-03T16:00:00.000Z');
    now = new Date('2026-12-03T16:00:01.000Z');
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'digests/d.json', VersionId: put.VersionId! }));
    expect(await refusal(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'digests/d.json' })))).toEqual({ name: 'NoSuchKey', status: 404 });
    now = new Date('2026-12-03T15:00:00.000Z');
  });

  it('refuses a put with retention but no checksum (400), a date in the past (400), and a wrong checksum (BadDigest)', async () => {
    // The SDK adds a CRC32 checksum by itself unless told to send one only when the operation requires it.
    const bare = s3Client({ region: 'us-east-1', endpoint: server.endpoint });
    bare.config.requestChecksumCalculation = async () => 'WHEN_REQUIRED';
    const noChecksum = bare.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'x', Body: 'x', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date('2027-01-01T00:00:00Z') }),
    );
    expect(await refusal(noChecksum)).toEqual({ name: 'InvalidRequest', status: 400 });
    expect(await refusal(lockedPut(bucket, 'y', 'y', '2026-01-01T00:00:00.000Z'))).toEqual({ name: 'InvalidArgument', status: 400 });
    const wrong = client.send(new PutObjectCommand({ Bucket: bucket, Key: 'z', Body: 'z', ChecksumSHA256: Buffer.alloc(32).toString('base64') }));
    expect(await refusal(wrong)).toEqual({ name: 'BadDigest', status: 400 });
    expect(await refusal(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'x' })))).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('If-None-Match: * writes only a new key (412 PreconditionFailed over one), and a condition it does not check is refused', async () => {
    await lockedPut(bucket, 'digests/e.json', 'first');
    const conditional = client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'digests/e.json', Body: 'second', IfNoneMatch: '*', ChecksumAlgorithm: 'SHA256' }),
    );
    expect(await refusal(conditional)).toEqual({ name: 'PreconditionFailed', status: 412 });
    const ifMatch = client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'digests/e.json', Body: 'second', IfMatch: '"etag"', ChecksumAlgorithm: 'SHA256' }),
    );
    expect(await refusal(ifMatch)).toEqual({ name: 'NotImplemented', status: 501 });
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'digests/new.json', Body: 'new', IfNoneMatch: '*', ChecksumAlgorithm: 'SHA256' }));
    const fresh = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'digests/new.json' }));
    expect(await fresh.Body!.transformToString()).toBe('new');
    const current = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'digests/e.json' }));
    expect(await current.Body!.transformToString()).toBe('first');
  });

  it('keeps its objects across a restart from the same folder', async () => {
    const store = new S3ArchiveStore({ client, bucket });
    await store.put('archive/kept.jsonl', 'line\n', '2027-12-03T15:00:00.000Z');
    const again = await startLocalS3({ buckets, dataDir, now: () => now });
    try {
      const other = new S3ArchiveStore({ client: s3Client({ region: 'us-east-1', endpoint: again.endpoint }), bucket });
      expect(await other.get('archive/kept.jsonl')).toBe('line\n');
      expect((await other.list('archive/', { limit: 10 })).keys).toEqual(['archive/kept.jsonl']);
    } finally {
      await again.close();
    }
  });
});

describe('local S3 server: what it does not serve is refused, never taken loosely', () => {
  const bucket = 'bucket-18';
  const raw = (method: string, target: string, headers: Record<string, string> = {}, body?: string) =>
    fetch(`${server.endpoint}/${bucket}${target}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const codeOf = async (answer: Response) => ({ status: answer.status, code: /<Code>([^<]*)<\/Code>/.exec(await answer.text())?.[1] });

  it('refuses a copy (501) and a streaming-signed or aws-chunked body (501), storing nothing', async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'source', Body: 'source', ChecksumAlgorithm: 'SHA256' }));
    expect(await codeOf(await raw('PUT', '/copied', { 'x-amz-copy-source': `/${bucket}/source` }))).toEqual({ status: 501, code: 'NotImplemented' });
    const chunked = '5;chunk-signature=' + 'a'.repeat(64) + '\r\nhello\r\n0;chunk-signature=' + 'b'.repeat(64) + '\r\n\r\n';
    const streaming = { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'x-amz-decoded-content-length': '5' };
    expect(await codeOf(await raw('PUT', '/streamed', streaming, chunked))).toEqual({ status: 501, code: 'NotImplemented' });
    expect(await codeOf(await raw('PUT', '/streamed', { 'content-encoding': 'aws-chunked' }, chunked))).toEqual({ status: 501, code: 'NotImplemented' });
    for (const key of ['copied', 'streamed']) {
      expect(await refusal(client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).toMatchObject({ status: 404 });
    }
  });

  it('refuses a continuation token it did not hand out and a max-keys that is not 0 to 2^31-1 (400 InvalidArgument)', async () => {
    for (const key of ['list/a', 'list/b', 'list/c'])
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key, ChecksumAlgorithm: 'SHA256' }));
    const first = await (await raw('GET', '/?list-type=2&prefix=list/&max-keys=1')).text();
    const token = /<NextContinuationToken>([^<]*)</.exec(first)![1]!;
    const second = await (await raw('GET', `/?list-type=2&prefix=list/&max-keys=1&continuation-token=${token}`)).text();
    expect(/<Key>([^<]*)</.exec(second)![1]).toBe('list/b');
    const junk = ['abc', '', Buffer.from('list/a').toString('base64url')];
    for (const bad of junk) {
      expect(await codeOf(await raw('GET', `/?list-type=2&prefix=list/&continuation-token=${bad}`))).toEqual({ status: 400, code: 'InvalidArgument' });
    }
    expect(await codeOf(await raw('GET', `/?list-type=2&prefix=other/&continuation-token=${token}`))).toEqual({ status: 400, code: 'InvalidArgument' });
    for (const bad of ['-1', 'abc', '', '1.5', '2147483648']) {
      expect(await codeOf(await raw('GET', `/?list-type=2&max-keys=${bad}`))).toEqual({ status: 400, code: 'InvalidArgument' });
    }
    expect(await (await raw('GET', '/?list-type=2&prefix=list/&max-keys=5000')).text()).toContain('<KeyCount>3</KeyCount>');
  });
});
