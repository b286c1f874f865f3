import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { S3ArchiveStore, s3Client } from '#adapters/aws/s3-archive-store.ts';

const client = new S3Client({ region: 'us-gov-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const s3 = mockClient(client);
const store = new S3ArchiveStore({ client, bucket: 'hms-sys-audit-archive' });

beforeEach(() => s3.reset());

describe('S3ArchiveStore request shapes', () => {
  it('puts each object locked in compliance mode until its retain-until date, with a SHA-256 checksum S3 checks', async () => {
    s3.on(PutObjectCommand).resolves({ VersionId: 'v1' });
    const body = '{"seq":1}\n';
    await store.put('archive/system/000000000001-000000000001.jsonl', body, '2027-12-03T15:00:00.000Z');

    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect({ ...input, Body: Buffer.from(input.Body as Buffer).toString('utf8') }).toEqual({
      Bucket: 'hms-sys-audit-archive',
      Key: 'archive/system/000000000001-000000000001.jsonl',
      Body: body,
      ContentType: 'application/x-ndjson',
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date('2027-12-03T15:00:00.000Z'),
      ChecksumAlgorithm: 'SHA256',
      ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      IfNoneMatch: '*',
    });
  });

  it('a put over an existing key is "exists" (412), a racing write (409) is tried again, other errors propagate', async () => {
    const failure = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    s3.on(PutObjectCommand, { Key: 'taken' }).rejects(failure('PreconditionFailed', 412));
    s3.on(PutObjectCommand, { Key: 'raced' }).rejectsOnce(failure('ConditionalRequestConflict', 409)).resolves({});
    s3.on(PutObjectCommand, { Key: 'denied' }).rejects(failure('AccessDenied', 403));
    expect(await store.put('taken', 'x', '2027-12-03T15:00:00.000Z')).toBe('exists');
    expect(await store.put('raced', 'x', '2027-12-03T15:00:00.000Z')).toBe('created');
    expect(s3.commandCalls(PutObjectCommand, { Key: 'raced' })).toHaveLength(2);
    await expect(store.put('denied', 'x', '2027-12-03T15:00:00.000Z')).rejects.toThrow('AccessDenied');
  });

  it('reads an object as UTF-8 and a missing key as null; other errors propagate', async () => {
    s3.on(GetObjectCommand, { Key: 'digests/system/000000000001.json' }).resolves({
      // The SDK's stream body, as far as the adapter reads it.
      Body: { transformToString: async (encoding?: string) => Buffer.from('{"v":"é"}').toString((encoding ?? 'utf8') as BufferEncoding) } as never,
    });
    s3.on(GetObjectCommand, { Key: 'gone' }).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    s3.on(GetObjectCommand, { Key: 'denied' }).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    expect(await store.get('digests/system/000000000001.json')).toBe('{"v":"é"}');
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'hms-sys-audit-archive', Key: 'digests/system/000000000001.json' });
    expect(await store.get('gone')).toBeNull();
    await expect(store.get('denied')).rejects.toThrow('Access Denied');
  });

  it('lists with StartAfter first, then the continuation token, until the limit', async () => {
    s3.on(ListObjectsV2Command, { StartAfter: 'digests/a/1' }).resolves({
      Contents: [{ Key: 'digests/a/2' }, { Key: 'digests/a/3' }],
      IsTruncated: true,
      NextContinuationToken: 't1',
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: 't1' }).resolves({ Contents: [{ Key: 'digests/a/4' }], IsTruncated: false });

    expect(await store.list('digests/a/', { startAfter: 'digests/a/1', limit: 1000 })).toEqual({
      keys: ['digests/a/2', 'digests/a/3', 'digests/a/4'],
      more: false,
    });
    const inputs = s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      { Bucket: 'hms-sys-audit-archive', Prefix: 'digests/a/', MaxKeys: 1000, StartAfter: 'digests/a/1' },
      { Bucket: 'hms-sys-audit-archive', Prefix: 'digests/a/', MaxKeys: 998, ContinuationToken: 't1' },
    ]);
  });

  it('stops at the limit and says more follow', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'k/1' }, { Key: 'k/2' }], IsTruncated: true, NextContinuationToken: 't' });
    expect(await store.list('k/', { limit: 2 })).toEqual({ keys: ['k/1', 'k/2'], more: true });
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(1);
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input.MaxKeys).toBe(2);
  });
});

describe('s3Client in AWS', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('follows AWS_USE_FIPS_ENDPOINT, as the stack sets it in GovCloud, to the s3-fips host', async () => {
    vi.stubEnv('AWS_USE_FIPS_ENDPOINT', 'true');
    const fips = s3Client({ region: 'us-gov-west-1' });
    const useFips = await fips.config.useFipsEndpoint();
    expect(useFips).toBe(true);
    const host = fips.config.endpointProvider({ Region: 'us-gov-west-1', UseFIPS: useFips, UseDualStack: false, Bucket: 'hms-sys-audit' } as never).url
      .hostname;
    expect(host).toBe('hms-sys-audit.s3-fips.us-gov-west-1.amazonaws.com');
  });
});
