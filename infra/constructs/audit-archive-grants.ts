import * as iam from 'aws-cdk-lib/aws-iam';
import type { Need } from '#domain/triggers.ts';
import type { AuditArchive } from './audit-archive.ts';
import type { NeedGrant, NeedResources } from './need-grants.ts';

function archiveOf(resources: NeedResources, need: Need): AuditArchive {
  if (resources.auditArchive === undefined) throw new Error(`the ${need} need requires the audit archive (bucket and signing key)`);
  return resources.auditArchive;
}

/** Reading the archive: objects and their listing, and the bucket key's Decrypt, which GetObject of an SSE-KMS object needs. */
function grantArchiveRead(role: Parameters<NeedGrant>[0], archive: AuditArchive): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [archive.bucket.arnForObjects('*')] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [archive.bucket.bucketArn] }));
}

/** The partition keys of record streams (shared/domain/audit.ts: auditStream, lookupStream), as IAM patterns. */
export const RECORD_STREAM_KEYS = ['service#*', 'system', 'lookup#*'] as const;

/** The audit archive needs: writing signed digests (and reading them back to verify), pruning archived records. */
export const AUDIT_ARCHIVE_GRANTS: Pick<Record<Need, NeedGrant>, 'audit-digest' | 'audit-prune'> = {
  'audit-digest': (role, resources) => {
    const archive = archiveOf(resources, 'audit-digest');
    // kms:Sign is allowed in the key's policy, to this role alone (AuditArchive.allowSigning); the
    // public key is readable by anyone in the account through the key policy too.
    archive.allowSigning(role);
    // A PutObject that sets x-amz-object-lock-mode and -retain-until-date places a retention on the new
    // version, the act Object Lock's permissions list under s3:PutObjectRetention
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html#object-lock-permissions). The
    // Service Authorization Reference gives PutObject the retention condition keys but no dependent action,
    // so whether S3 checks it on PutObject is not stated: it is granted, on these objects alone.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:PutObjectRetention'], resources: [archive.bucket.arnForObjects('*')] }));
    grantArchiveRead(role, archive);
    // Writing an SSE-KMS object asks KMS for a data key; reading it back decrypts one
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html).
    archive.bucketKey.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
    role.acknowledgeGrant({ id: objectsId(archive), reason: OBJECTS_REASON });
  },
  // Only records already archived and verified are deleted (shared/use-cases/audit-prune.ts), and only
  // records: every partition key of the request (dynamodb:LeadingKeys) must be a record stream's, so the
  // prune cannot delete outbox items, checkpoints or the digest state (digest#, pruned#, verified#,
  // digest-run). ForAllValues is true of a request without the key, so Null refuses that one
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html).
  'audit-prune': (role, { tables }) => {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:DeleteItem'],
        resources: [tables.audit.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...RECORD_STREAM_KEYS] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      }),
    );
  },
};

const OBJECTS_REASON =
  'Digest and archive object keys are made at run time from stream names and sequence numbers; the grant covers the objects of the audit archive bucket alone, whose Object Lock in compliance mode refuses any overwrite or delete of a locked version.';

/** cdk-nag's finding id for a grant on every object of the archive bucket. */
function objectsId(archive: AuditArchive): string {
  return `AwsSolutions-IAM5[Resource::<${archive.bucketLogicalId}.Arn>/*]`;
}
