import type { DigestWiring } from '#functions/audit-digest/audit-digest.ts';
import type { AuditArchivePorts } from '#ports/audit-digest-state.ts';
import { systemClock } from '#ports/clock.ts';
import type { AuditArchiveConfig } from './audit-archive-config.ts';
import type { AwsConfig } from './config.ts';
import { DynamoDbAuditDigestState } from './dynamodb-audit-digest-state.ts';
import { DynamoDbAuditLog } from './dynamodb-audit-log.ts';
import { DynamoDbAuditOutbox } from './dynamodb-audit-outbox.ts';
import { dynamoDbClient } from './dynamodb-client.ts';
import { KmsAuditSigner } from './kms-audit-signer.ts';
import { S3ArchiveStore, s3Client } from './s3-archive-store.ts';

/** The audit archive's ports over AWS: the Object Lock bucket, the KMS signing key and the digest state in the audit table. */
export function buildAuditArchivePorts(config: AwsConfig, archive: AuditArchiveConfig): AuditArchivePorts {
  return {
    archive: new S3ArchiveStore({ client: s3Client({ region: config.region }), bucket: archive.bucket }),
    signer: new KmsAuditSigner({ keyId: archive.signingKeyId, region: config.region }),
    digestState: new DynamoDbAuditDigestState({ client: dynamoDbClient({ region: config.region }), tableName: config.auditTable }),
  };
}

let digestWiring: DigestWiring | undefined;

/** The digest function's one wiring per container: the audit log, the clock and the archive's ports. */
export async function awsDigestWiring(config: AwsConfig, archive: AuditArchiveConfig): Promise<DigestWiring> {
  digestWiring ??= {
    controllerActor: config.actor,
    settings: { retentionDays: archive.retentionDays, hotDays: archive.hotDays },
    ports: {
      audit: new DynamoDbAuditLog({ client: dynamoDbClient({ region: config.region }), tableName: config.auditTable, indexes: config.auditIndexes }),
      auditOutbox: new DynamoDbAuditOutbox({ client: dynamoDbClient({ region: config.region }), tableName: config.auditTable }),
      clock: systemClock,
      auditArchive: buildAuditArchivePorts(config, archive),
    },
  };
  return digestWiring;
}
