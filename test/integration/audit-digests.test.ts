import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3Client } from '#adapters/aws/s3-archive-store.ts';
import { AUDIT_TABLE } from '#adapters/aws/table-design.ts';
import { FolderArchive } from '#adapters/local/folder-archive.ts';
import { verifyArchive } from '#use-cases/verify-archive.ts';
import { exportArchive } from '../../bin/commands/audit-archive.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();

describe('signed audit digests in the sandbox', () => {
  let newest = 0;

  it('POST /audit/digests signs a digest for each changed stream into the local Object Lock bucket', async () => {
    expect((await sb.service('dig-a', 'benefits', 'receipt-svc')).status).toBe(201);
    for (const monthlyUSD of [5, 6]) expect((await sb.http('POST', '/budgets/dig-a', { monthlyUSD })).status).toBe(200);

    const run = await sb.http('POST', '/audit/digests', undefined, sb.sandbox.tokens.auditor);

    expect(run.status).toBe(200);
    expect(run.body.failures).toEqual([]);
    const digest = run.body.digests.find((d: { stream: string }) => d.stream === 'service#dig-a');
    expect(digest).toMatchObject({ firstSeq: 1, key: `digests/service%23dig-a/${String(digest.lastSeq).padStart(12, '0')}.json` });
    newest = digest.lastSeq;
    const verify = await sb.http('GET', '/audit/verify?service=dig-a');
    expect(verify.body).toMatchObject({ intact: true, firstBreak: null, digests: { firstBreak: null, newest: { key: digest.key, lastSeq: newest } } });
  });

  it('a reader without hms/audit.digest may not run one (403)', async () => {
    const answer = await sb.http('POST', '/audit/digests', undefined, sb.sandbox.tokens.reader);
    expect(answer.status).toBe(403);
  });

  it('GET /audit/public-key gives the key the digests verify with, as published in the bucket', async () => {
    const answer = await sb.http('GET', '/audit/public-key', undefined, sb.sandbox.tokens.auditor);
    expect(answer.status).toBe(200);
    expect(answer.body.pem).toContain('BEGIN PUBLIC KEY');
    expect(await sb.sandbox.auditArchive.ports.archive.get(answer.body.key)).toBe(answer.body.pem);
  });

  it('an export of the bucket verifies offline with the public key the API gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-export-'));
    try {
      const copied = await exportArchive(sb.sandbox.auditArchive.ports.archive, ['digests/', 'archive/', 'keys/'], dir);
      expect(copied).toBeGreaterThanOrEqual(3);
      const { pem } = (await sb.http('GET', '/audit/public-key', undefined, sb.sandbox.tokens.auditor)).body;
      const report = await verifyArchive(new FolderArchive(dir), pem);
      expect(report.intact).toBe(true);
      expect(report.streams.find((s) => s.stream === 'service#dig-a')).toMatchObject({ verifiedThrough: newest, break: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the bucket refuses to delete a digest version (403 AccessDenied)', async () => {
    const client = s3Client({ region: 'us-east-1', endpoint: sb.sandbox.auditArchive.s3Endpoint });
    const Key = `digests/service%23dig-a/${String(newest).padStart(12, '0')}.json`;
    const head = await client.send(new GetObjectCommand({ Bucket: sb.sandbox.auditArchive.bucket, Key }));
    const refused = await client.send(new DeleteObjectCommand({ Bucket: sb.sandbox.auditArchive.bucket, Key, VersionId: head.VersionId! })).catch((err) => err);
    expect(refused).toBeInstanceOf(S3ServiceException);
    expect((refused as S3ServiceException).name).toBe('AccessDenied');
  });

  it("the bucket's policy refuses a new version over a digest and a delete marker hiding it (403 AccessDenied)", async () => {
    const client = s3Client({ region: 'us-east-1', endpoint: sb.sandbox.auditArchive.s3Endpoint });
    const Bucket = sb.sandbox.auditArchive.bucket;
    const Key = `digests/service%23dig-a/${String(newest).padStart(12, '0')}.json`;
    const before = await (await client.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();
    const overwrite = await client.send(new PutObjectCommand({ Bucket, Key, Body: '{"forged":true}', ChecksumAlgorithm: 'SHA256' })).catch((err) => err);
    const marker = await client.send(new DeleteObjectCommand({ Bucket, Key })).catch((err) => err);
    for (const refused of [overwrite, marker]) {
      expect(refused).toBeInstanceOf(S3ServiceException);
      expect(refused as S3ServiceException).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    }
    expect(await (await client.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString()).toBe(before);
  });

  it('deleting the newest record from the table is caught by verify, which names it', async () => {
    const dynamo = new DynamoDBClient({ endpoint: sb.sandbox.dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await dynamo.send(
      new DeleteItemCommand({
        TableName: 'hms-sys-audit',
        Key: { [AUDIT_TABLE.partitionKey]: { S: 'service#dig-a' }, [AUDIT_TABLE.sortKey]: { N: String(newest) } },
      }),
    );
    const verify = await sb.http('GET', '/audit/verify?service=dig-a&from=genesis');
    expect(verify.status).toBe(200);
    expect(verify.body.intact).toBe(false);
    expect(verify.body.firstBreak).toEqual({
      seq: newest,
      problem: `the record is missing, though the newest digest (digests/service%23dig-a/${String(newest).padStart(12, '0')}.json) covers records through ${newest}`,
    });
    dynamo.destroy();
  });
});
