import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '#adapters/aws/s3-archive-store.ts';
import { type LocalS3Server, startLocalS3 } from '#adapters/local/local-s3/s3-server.ts';

let server: LocalS3Server;
let client: S3Client;
const Bucket = 'audit';
const open = 'raw';

beforeAll(async () => {
  server = await startLocalS3({ buckets: [Bucket, open], createOnlyBuckets: [Bucket] });
  client = s3Client({ region: 'us-east-1', endpoint: server.endpoint });
});
afterAll(() => server.close());

async function refusal(call: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof S3ServiceException) return { name: err.name, status: err.$metadata.httpStatusCode };
    throw err;
  }
  throw new Error('the call succeeded');
}

const read = async (bucket: string, Key: string) => (await client.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToString();

describe('local S3 server: a create-only bucket holds to the audit bucket policy', () => {
  it('refuses a put without If-None-Match (403 AccessDenied, as XML) and keeps the object', async () => {
    await client.send(new PutObjectCommand({ Bucket, Key: 'digests/a.json', Body: 'signed', IfNoneMatch: '*', ChecksumAlgorithm: 'SHA256' }));
    expect(await refusal(client.send(new PutObjectCommand({ Bucket, Key: 'digests/a.json', Body: 'forged', ChecksumAlgorithm: 'SHA256' })))).toEqual({
      name: 'AccessDenied',
      status: 403,
    });
    expect(await refusal(client.send(new PutObjectCommand({ Bucket, Key: 'digests/new.json', Body: 'x', ChecksumAlgorithm: 'SHA256' })))).toEqual({
      name: 'AccessDenied',
      status: 403,
    });
    expect(await read(Bucket, 'digests/a.json')).toBe('signed');

    const raw = await fetch(`${server.endpoint}/${Bucket}/digests/a.json`, { method: 'PUT', body: 'forged' });
    expect(raw.status).toBe(403);
    expect(raw.headers.get('content-type')).toBe('application/xml');
    expect(await raw.text()).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/);
  });

  it('refuses a delete without a version id (no delete marker), so the object stays current', async () => {
    await client.send(new PutObjectCommand({ Bucket, Key: 'digests/b.json', Body: 'signed', IfNoneMatch: '*', ChecksumAlgorithm: 'SHA256' }));
    expect(await refusal(client.send(new DeleteObjectCommand({ Bucket, Key: 'digests/b.json' })))).toEqual({ name: 'AccessDenied', status: 403 });
    expect(await read(Bucket, 'digests/b.json')).toBe('signed');
  });

  it('a bucket without the option keeps raw versioning: a new version, then a delete marker', async () => {
    await client.send(new PutObjectCommand({ Bucket: open, Key: 'k', Body: 'one', ChecksumAlgorithm: 'SHA256' }));
    await client.send(new PutObjectCommand({ Bucket: open, Key: 'k', Body: 'two', ChecksumAlgorithm: 'SHA256' }));
    expect(await read(open, 'k')).toBe('two');
    const deleted = await client.send(new DeleteObjectCommand({ Bucket: open, Key: 'k' }));
    expect(deleted.DeleteMarker).toBe(true);
  });
});
