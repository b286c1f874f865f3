import { Aws, type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Need } from '#domain/triggers.ts';

/** The needs that bring the archive into the stack, and its settings into a function's environment. */
export const AUDIT_ARCHIVE_NEEDS: readonly Need[] = ['audit-digest', 'audit-prune'];

export interface AuditArchiveProps {
  /** Compliance-mode retention of every object version, in days (hms:auditRetentionDays). */
  readonly retentionDays: number;
  /** Days records stay in the audit table before the prune removes archived ones (hms:auditHotDays). */
  readonly hotDays: number;
}

/**
 * Administration of a key without use of it: the account (through IAM policies) can describe the key,
 * read and change its policy, alias and tag it, disable it and schedule its deletion, but not sign and
 * not create grants (a grant could allow kms:Sign), so no IAM policy or grant can reach kms:Sign.
 * Without the account in the key policy, IAM policies have no effect on a key
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html); changing the key policy
 * itself stays possible, as KMS requires of the principal that sets it, and CloudTrail records it.
 */
export const SIGNING_KEY_ADMIN_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:PutKeyPolicy',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:ListGrants',
  'kms:RevokeGrant',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:UpdateKeyDescription',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:GetPublicKey',
];

/** Where the archive bucket's access logs go in the log bucket. */
const ACCESS_LOG_PREFIX = 'audit-archive/';

const REPLICATION_REASON =
  'Replication needs a destination bucket in another Region or account, which this single-Region stack does not own; an operator who has one adds an S3 Replication rule (README, Deploy). In its Region the bucket is versioned and Object Lock in compliance mode keeps every version for the retention period.';

/**
 * Where signed audit digests and the records' archive live (AU-9, AU-9(3), AU-10, AU-11):
 * - the signing key, ECC P-256, which only the digest function's role may sign with;
 * - the archive bucket, versioned with Object Lock in compliance mode, encrypted with its own key,
 *   reachable over TLS alone, its server access logs kept in a log bucket; both kept when the stack goes.
 */
export class AuditArchive extends Construct {
  readonly signingKey: kms.Key;
  readonly bucketKey: kms.Key;
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly retentionDays: number;
  readonly hotDays: number;
  private readonly signers = new Set<string>();

  constructor(scope: Construct, id: string, props: AuditArchiveProps) {
    super(scope, id);
    this.retentionDays = props.retentionDays;
    this.hotDays = props.hotDays;

    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'hms-sys: signs audit digests (ECDSA P-256, SHA-256); the public key verifies them',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AccountAdministersWithoutSigning',
            principals: [new iam.AccountRootPrincipal()],
            actions: SIGNING_KEY_ADMIN_ACTIONS,
            resources: ['*'],
          }),
          // The public key is published: any principal of this account may read it, no IAM grant needed.
          // Principal * only under a condition, here the caller's account
          // (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account).
          new iam.PolicyStatement({
            sid: 'AnyoneInAccountReadsPublicKey',
            principals: [new iam.AnyPrincipal()],
            actions: ['kms:GetPublicKey', 'kms:DescribeKey'],
            resources: ['*'],
            conditions: { StringEquals: { 'kms:CallerAccount': Aws.ACCOUNT_ID } },
          }),
        ],
      }),
    });

    this.bucketKey = new kms.Key(this, 'BucketKey', {
      description: 'hms-sys: encrypts the audit archive bucket',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Server access logs can be delivered only to a bucket encrypted with SSE-S3, not SSE-KMS
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(props.retentionDays)),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.bucketKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Server access logging set here rather than through serverAccessLogsBucket, whose grant depends on a
    // feature flag (ACLs without it, which the log bucket's BucketOwnerEnforced refuses): S3 delivers as
    // logging.s3.amazonaws.com, allowed by the log bucket's policy for this bucket and account alone
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
    (this.bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: this.accessLogs.bucketName,
      logFilePrefix: ACCESS_LOG_PREFIX,
    };
    this.accessLogs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogDelivery',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.accessLogs.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
        conditions: { ArnLike: { 'aws:SourceArn': this.bucket.bucketArn }, StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    // Compliance mode keeps every locked version, but a reader takes a key's current version: a new
    // version over a digest's key, or a delete marker hiding it, would change what verify and export
    // read. So every put must be create-only, carrying If-None-Match (condition key s3:if-none-match,
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html; this also
    // refuses multipart uploads, which hms-sys does not make), and no one may DeleteObject (which, without
    // a version id, adds a delete marker). Only a principal allowed s3:PutBucketPolicy can lift these.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPutWithoutIfNoneMatch',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { Null: { 's3:if-none-match': 'true' } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyDeleteObject',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObject'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );

    Validations.of(this.accessLogs).acknowledge(
      {
        id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
        reason:
          'S3 delivers server access logs only to a bucket whose default encryption is SSE-S3; SSE-KMS is not supported there (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html). The logs are request metadata, not audit records.',
      },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: REPLICATION_REASON },
    );
    Validations.of(this.bucket).acknowledge({ id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: REPLICATION_REASON });
  }

  /**
   * Lets `role` sign with the key, in the key policy itself: the account statement leaves kms:Sign
   * out, so this is the only way to it. A statement in the role's own policy would make the key
   * (which names the role) and the role's policy (which names the key) depend on each other.
   */
  allowSigning(role: iam.IRole): void {
    const id = role.node.path;
    if (this.signers.has(id)) return;
    this.signers.add(id);
    this.signingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `DigestFunctionSigns${this.signers.size}`,
        principals: [new iam.ArnPrincipal(role.roleArn)],
        actions: ['kms:Sign'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256' } },
      }),
    );
  }

  /** The bucket's logical id, as cdk-nag names it in findings. */
  get bucketLogicalId(): string {
    return Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
  }

  /** The settings every function with an audit archive need reads. */
  get environment(): Record<string, string> {
    return {
      HMS_AUDIT_BUCKET: this.bucket.bucketName,
      HMS_AUDIT_SIGNING_KEY_ID: this.signingKey.keyArn,
      HMS_AUDIT_RETENTION_DAYS: String(this.retentionDays),
      HMS_AUDIT_HOT_DAYS: String(this.hotDays),
    };
  }
}
