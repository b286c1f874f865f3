/**
 * How AWS authorizes each SDK command the adapters send: the IAM action, the resource it is checked
 * against and the condition keys the request carries, with AWS's documented special cases:
 * list and prefix calls on `*` (or every resource of a type), and dependent actions that the
 * Service Authorization Reference leaves out but the API reference requires.
 *
 * Keyed by adapter file and SDK operation. The conformance test reads which operations each
 * adapter sends from its source, so an operation missing here fails the test.
 */
import { MASTER_TAG, STRATEGY_TAG, TEMPLATE_ROLE_TAG } from '#domain/rotation.ts';
import { type Authorization, ACCOUNT as CALLER_ACCOUNT } from './iam-model.ts';

/** The concrete ARNs a call touches, resolved from the synthesized stack. */
export interface CallTargets {
  readonly stateTable: string;
  readonly auditTable: string;
  /** Every index of the audit table: the audit log queries its indexes. */
  readonly auditIndexes: readonly string[];
  readonly cluster: string;
  /** A node group of the cluster, as EKS names it: nodegroup/<cluster>/<name>/<id>. */
  readonly nodegroup: string;
  /** One alarm hms-sys makes, and every alarm of the account and Region (`alarm:*`). */
  readonly ownAlarm: string;
  readonly everyAlarm: string;
  readonly eventBus?: string;
  readonly schedule?: string;
  readonly schedulerRole?: string;
  readonly scheduleKey?: string;
  /** The mesh function's one-shot schedules: a schedule of its group, the role they run as, their key. */
  readonly meshSchedule?: string;
  readonly meshSchedulerRole?: string;
  readonly meshScheduleKey?: string;
  readonly rotationFunction?: string;
  /** A secret under hms-sys rotation, a master secret (a superuser login), and an issued credential's secret. */
  readonly rotatedSecret: string;
  readonly masterSecret: string;
  readonly credentialSecret: string;
  /** The audit archive bucket, one of its objects, its encryption key, and the audit signing key. */
  readonly archiveBucket: string;
  readonly archiveObject: string;
  readonly archiveBucketKey: string;
  readonly signingKey: string;
}

/** How an adapter file's calls are authorized, and which port's use in a function brings them in. */
export interface AdapterAuthorizations {
  /**
   * The port variables through which use cases call this adapter (`secrets.rotate(...)`). Empty: every
   * function that can load the adapter may send all its operations.
   */
  readonly ports: readonly string[];
  /** Only the operations of the port methods a function calls count (else all, once the port is used). */
  readonly byMethod: boolean;
  /** `caller`: the module whose port call sends the operation (the adapter's path when no port is named). */
  readonly operations: Readonly<Record<string, (t: CallTargets, caller: string) => Authorization[]>>;
}

/** IAM service prefix of each SDK client package the adapters use. */
export const IAM_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-eks': 'eks',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-scheduler': 'scheduler',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-kms': 'kms',
};

const on = (action: string, resource: string, context?: Record<string, string>): Authorization => ({ action, resource, ...(context ? { context } : {}) });
const tagged = (tag: string) => ({ [`secretsmanager:ResourceTag/${tag}`]: 'value' });

const stateTable = (op: string) => (t: CallTargets) => [on(`dynamodb:${op}`, t.stateTable)];
const STATE_TABLE_OPERATIONS = {
  GetItem: stateTable('GetItem'),
  PutItem: stateTable('PutItem'),
  UpdateItem: stateTable('UpdateItem'),
  DeleteItem: stateTable('DeleteItem'),
  Query: stateTable('Query'),
};

/** The audit table is append-only: no UpdateItem or DeleteItem is described, so an adapter sending one fails the test. */
const AUDIT_TABLE_OPERATIONS = {
  GetItem: (t: CallTargets) => [on('dynamodb:GetItem', t.auditTable)],
  PutItem: (t: CallTargets) => [on('dynamodb:PutItem', t.auditTable)],
  // A Query with IndexName is authorized against the index ARN (Service Authorization Reference, DynamoDB).
  Query: (t: CallTargets) => [on('dynamodb:Query', t.auditTable), ...t.auditIndexes.map((index) => on('dynamodb:Query', index))],
};

/**
 * The outbox's items: puts and queries as the audit log's, and DeleteItem and UpdateItem (a drainer's
 * claim), which carry the item's partition key as dynamodb:LeadingKeys.
 */
const AUDIT_OUTBOX_OPERATIONS = {
  PutItem: AUDIT_TABLE_OPERATIONS.PutItem,
  Query: (t: CallTargets) => [on('dynamodb:Query', t.auditTable)],
  DeleteItem: (t: CallTargets) => [on('dynamodb:DeleteItem', t.auditTable, { 'dynamodb:LeadingKeys': 'outbox#2' })],
  UpdateItem: (t: CallTargets) => [on('dynamodb:UpdateItem', t.auditTable, { 'dynamodb:LeadingKeys': 'outbox#2' })],
};

/**
 * The digest run's state lives in the audit table: its items are put, read and queried as the audit
 * log's are, and the retention prune deletes archived records (the audit-prune need alone).
 */
/** The prune deletes records only: its DeleteItem carries a record stream's key as dynamodb:LeadingKeys. */
const AUDIT_DIGEST_STATE_OPERATIONS = {
  ...AUDIT_TABLE_OPERATIONS,
  DeleteItem: (t: CallTargets) => [on('dynamodb:DeleteItem', t.auditTable, { 'dynamodb:LeadingKeys': 'service#orders' })],
};

/**
 * The archive bucket is encrypted with its own key, so S3 asks KMS for a data key with the caller's
 * permissions on a put and to decrypt one on a get
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html). A put that sets an
 * Object Lock mode and retain-until date places a retention, which Object Lock's permissions list under
 * s3:PutObjectRetention (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html#object-lock-permissions);
 * the Service Authorization Reference names no dependent action, so it is required here to be safe.
 */
const ARCHIVE_OPERATIONS = {
  PutObject: (t: CallTargets) => [
    on('s3:PutObject', t.archiveObject),
    on('s3:PutObjectRetention', t.archiveObject),
    on('kms:GenerateDataKey', t.archiveBucketKey),
  ],
  GetObject: (t: CallTargets) => [on('s3:GetObject', t.archiveObject), on('kms:Decrypt', t.archiveBucketKey)],
  // Authorized against the bucket (Service Authorization Reference, Amazon S3: ListBucket).
  ListObjectsV2: (t: CallTargets) => [on('s3:ListBucket', t.archiveBucket)],
};

/** Signing is allowed by the key's policy alone; every call carries the caller's account as kms:CallerAccount. */
const SIGNER_OPERATIONS = {
  Sign: (t: CallTargets) => [on('kms:Sign', t.signingKey, { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:CallerAccount': CALLER_ACCOUNT })],
  GetPublicKey: (t: CallTargets) => [on('kms:GetPublicKey', t.signingKey, { 'kms:CallerAccount': CALLER_ACCOUNT })],
};

type SecretRead = 'DescribeSecret' | 'GetSecretValue';
const rotated = (t: CallTargets) => ({ resource: t.rotatedSecret, context: tagged(STRATEGY_TAG) });
/** Issuing and revoking read the master secret a credential is made from; it carries the template-role tag. */
const credentialMaster = (t: CallTargets) => ({ resource: t.masterSecret, context: tagged(TEMPLATE_ROLE_TAG) });
/** Alternating users read the superuser secret named by masterarn, which carries the master tag. */
const rotationMaster = (t: CallTargets) => ({ resource: t.masterSecret, context: tagged(MASTER_TAG) });

/**
 * Which secrets each use-case module reads, by operation: the same port call reads a rotated secret
 * in one module and a master secret in another, and IAM tells them apart by tag. A module that
 * reads a secret and is missing here fails the test, so a new read must say what it reads.
 */
export const SECRET_READS: Readonly<
  Record<string, Partial<Record<SecretRead, ReadonlyArray<(t: CallTargets) => { resource: string; context: Record<string, string> }>>>>
> = {
  // rotate(): after a refusal, DescribeSecret tells which version holds AWSPENDING.
  'shared/use-cases/secrets.ts': { DescribeSecret: [rotated] },
  'shared/use-cases/sweep-secrets.ts': { DescribeSecret: [rotated] },
  'shared/use-cases/restart-consumers.ts': { DescribeSecret: [rotated] },
  'shared/use-cases/issue-db-credential.ts': { DescribeSecret: [credentialMaster], GetSecretValue: [credentialMaster] },
  'shared/use-cases/revoke-db-credentials.ts': { GetSecretValue: [credentialMaster] },
  // The revoker's drainer asks PostgreSQL whether an issued role exists, logging in with the master secret.
  'shared/use-cases/credential-probes.ts': { GetSecretValue: [credentialMaster] },
  'shared/use-cases/rotate-secret.ts': { DescribeSecret: [rotated], GetSecretValue: [rotated] },
  // A drainer's probe of a rotation step reads the secret's version stages, never a value.
  'shared/use-cases/rotation-probes.ts': { DescribeSecret: [rotated] },
  'shared/use-cases/rotation-strategies.ts': { GetSecretValue: [rotated, rotationMaster] },
};

/** Reading a secret: which one depends on the module that reads it (SECRET_READS). */
const readSecret = (operation: SecretRead) => (t: CallTargets, caller: string) => {
  const reads = SECRET_READS[caller]?.[operation];
  if (reads === undefined) throw new Error(`${caller} sends ${operation}: say in SECRET_READS (sdk-call-authorizations.ts) which secrets it reads`);
  return reads.map((read) => {
    const { resource, context } = read(t);
    return on(`secretsmanager:${operation}`, resource, context);
  });
};

export const ADAPTER_AUTHORIZATIONS: Readonly<Record<string, AdapterAuthorizations>> = {
  'shared/adapters/aws/dynamodb-entities.ts': { ports: ['store', 'ledger'], byMethod: false, operations: STATE_TABLE_OPERATIONS },
  'shared/adapters/aws/dynamodb-state-store.ts': { ports: ['store'], byMethod: true, operations: STATE_TABLE_OPERATIONS },
  'shared/adapters/aws/dynamodb-ledger-store.ts': { ports: ['ledger'], byMethod: true, operations: STATE_TABLE_OPERATIONS },
  'shared/adapters/aws/dynamodb-audit-log.ts': { ports: ['audit'], byMethod: false, operations: AUDIT_TABLE_OPERATIONS },
  'shared/adapters/aws/dynamodb-audit-pages.ts': { ports: ['audit'], byMethod: false, operations: AUDIT_TABLE_OPERATIONS },
  'shared/adapters/aws/dynamodb-audit-outbox.ts': { ports: ['auditOutbox'], byMethod: true, operations: AUDIT_OUTBOX_OPERATIONS },
  'shared/adapters/aws/dynamodb-audit-digest-state.ts': { ports: ['digestState'], byMethod: true, operations: AUDIT_DIGEST_STATE_OPERATIONS },
  'shared/adapters/aws/s3-archive-store.ts': { ports: ['archive'], byMethod: true, operations: ARCHIVE_OPERATIONS },
  'shared/adapters/aws/kms-audit-signer.ts': { ports: ['signer'], byMethod: true, operations: SIGNER_OPERATIONS },
  'shared/adapters/aws/cloudwatch-metrics.ts': {
    ports: ['metrics'],
    byMethod: true,
    operations: {
      // Tags on PutMetricAlarm also need cloudwatch:TagResource (PutMetricAlarm API reference).
      PutMetricAlarm: (t) => [on('cloudwatch:PutMetricAlarm', t.ownAlarm), on('cloudwatch:TagResource', t.ownAlarm)],
      DeleteAlarms: (t) => [on('cloudwatch:DeleteAlarms', t.ownAlarm)],
      // With AlarmNamePrefix, DescribeAlarms is authorized against every alarm, not the prefix
      // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/permissions-reference-cw.html).
      DescribeAlarms: (t) => [on('cloudwatch:DescribeAlarms', t.everyAlarm)],
      // Supports no resource-level permissions.
      GetMetricData: () => [on('cloudwatch:GetMetricData', '*')],
    },
  },
  'shared/adapters/aws/eks-endpoint.ts': {
    // The MeshCluster (KubernetesMesh) reaches the API server the same way: mesh-ops calls it through `mesh` alone.
    ports: ['cluster', 'mesh'],
    byMethod: false,
    operations: { DescribeCluster: (t) => [on('eks:DescribeCluster', t.cluster)] },
  },
  'shared/adapters/aws/eks-node-groups.ts': {
    ports: ['nodeGroups'],
    byMethod: true,
    operations: {
      ListNodegroups: (t) => [on('eks:ListNodegroups', t.cluster)],
      DescribeNodegroup: (t) => [on('eks:DescribeNodegroup', t.nodegroup)],
    },
  },
  'shared/adapters/aws/eventbridge-publisher.ts': {
    ports: ['events'],
    byMethod: true,
    operations: { PutEvents: (t) => [on('events:PutEvents', t.eventBus ?? 'no event bus deployed', { 'events:source': 'hms.sys' })] },
  },
  'shared/adapters/aws/eventbridge-scheduler.ts': {
    // Bursts schedule through ports.scheduler, the mesh (pause end, breaker reset) through ports.meshScheduler.
    ports: ['scheduler', 'meshScheduler'],
    byMethod: true,
    operations: {
      CreateSchedule: (t, caller) => scheduleWrite('scheduler:CreateSchedule', schedulesOf(t, caller)),
      UpdateSchedule: (t, caller) => scheduleWrite('scheduler:UpdateSchedule', schedulesOf(t, caller)),
      DeleteSchedule: (t, caller) => [on('scheduler:DeleteSchedule', schedulesOf(t, caller).schedule ?? 'no schedule group deployed')],
    },
  },
  'shared/adapters/aws/secrets-manager-store.ts': {
    ports: ['secrets'],
    byMethod: true,
    operations: {
      DescribeSecret: readSecret('DescribeSecret'),
      GetSecretValue: readSecret('GetSecretValue'),
      ListSecretVersionIds: (t) => [on('secretsmanager:ListSecretVersionIds', t.rotatedSecret, tagged(STRATEGY_TAG))],
      PutSecretValue: (t) => [on('secretsmanager:PutSecretValue', t.rotatedSecret, tagged(STRATEGY_TAG))],
      UpdateSecretVersionStage: (t) => [on('secretsmanager:UpdateSecretVersionStage', t.rotatedSecret, tagged(STRATEGY_TAG))],
      // Acts on no secret.
      GetRandomPassword: () => [on('secretsmanager:GetRandomPassword', '*')],
      ListSecrets: () => [on('secretsmanager:ListSecrets', '*')],
      // Started as configured, or given hms-sys's rotation function; the caller also needs
      // lambda:InvokeFunction on the rotation function
      // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html).
      RotateSecret: (t) => [
        on('secretsmanager:RotateSecret', t.rotatedSecret, tagged(STRATEGY_TAG)),
        ...(t.rotationFunction === undefined
          ? []
          : [
              on('secretsmanager:RotateSecret', t.rotatedSecret, { ...tagged(STRATEGY_TAG), 'secretsmanager:RotationLambdaARN': t.rotationFunction }),
              on('lambda:InvokeFunction', t.rotationFunction),
            ]),
      ],
      // With Tags, CreateSecret also needs secretsmanager:TagResource (CreateSecret API reference).
      CreateSecret: (t) => [on('secretsmanager:CreateSecret', t.credentialSecret), on('secretsmanager:TagResource', t.credentialSecret)],
      DeleteSecret: (t) => [on('secretsmanager:DeleteSecret', t.credentialSecret)],
    },
  },
};

/**
 * Creating or replacing a schedule passes the scheduler's role to Scheduler (iam:PassRole), and a
 * schedule under a customer managed key has Scheduler check the key and encrypt the payload with the
 * caller's credentials (EventBridge Scheduler User Guide, "Managing encryption at rest").
 */
function scheduleWrite(action: string, t: ScheduleTargets): Authorization[] {
  const schedule = t.schedule ?? 'no schedule group deployed';
  return [
    on(action, schedule),
    on('iam:PassRole', t.role ?? 'no scheduler role', { 'iam:PassedToService': 'scheduler.amazonaws.com' }),
    on('kms:DescribeKey', t.key ?? 'no schedule key'),
    on('kms:GenerateDataKey', t.key ?? 'no schedule key', { 'kms:EncryptionContext:aws:scheduler:schedule:arn': schedule }),
  ];
}

interface ScheduleTargets {
  readonly schedule?: string;
  readonly role?: string;
  readonly key?: string;
}

/** The mesh code (shared/use-cases/mesh, functions/mesh) schedules in the mesh group; everything else in the burst group. */
function schedulesOf(t: CallTargets, caller: string): ScheduleTargets {
  return /(^|\/)(use-cases|functions)\/mesh\//.test(caller)
    ? { schedule: t.meshSchedule, role: t.meshSchedulerRole, key: t.meshScheduleKey }
    : { schedule: t.schedule, role: t.schedulerRole, key: t.scheduleKey };
}
