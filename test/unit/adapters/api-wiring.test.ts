import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { lazyAuditArchivePorts } from '#adapters/aws/api-wiring.ts';
import { readAwsConfig } from '#adapters/aws/config.ts';

const s3 = mockClient(S3Client);
afterAll(() => s3.restore());

const config = readAwsConfig({ AWS_REGION: 'us-east-1', STATE_TABLE: 's', AUDIT_TABLE: 'a', HMS_CLUSTERS: 'c', HMS_ACTOR: 'role/x' });
const archive = { bucket: 'hms-sys-audit', signingKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k', retentionDays: 365, hotDays: 90 };

describe("the API's archive ports", () => {
  it('load the S3 adapter on first use and pass calls through to it', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'digests/system/000000000001.json' }], IsTruncated: false });
    const ports = lazyAuditArchivePorts(config, archive);
    expect(s3.calls()).toHaveLength(0);

    expect(await ports.archive.get('digests/system/000000000002.json')).toBeNull();
    expect(await ports.archive.list('digests/system/', { limit: 10 })).toEqual({ keys: ['digests/system/000000000001.json'], more: false });
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'hms-sys-audit', Key: 'digests/system/000000000002.json' });
  });

  it('are never taken for a promise', async () => {
    const ports = lazyAuditArchivePorts(config, archive);
    expect(await Promise.resolve(ports.signer)).toBe(ports.signer);
  });
});
