import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ALARM_NAME_PREFIX as ALARM_PREFIX } from '#domain/alarms.ts';
import { MASTER_TAG, STRATEGY_TAG, TEMPLATE_ROLE_TAG } from '#domain/rotation.ts';
import type { Need } from '#domain/triggers.ts';
import { type BurstSchedules, SCHEDULE_GROUP_NAME } from './burst-schedules.ts';
import type { HmsEventBus } from './hms-event-bus.ts';
import type { ManagedPolicyRole } from './managed-policy-role.ts';
import type { StateTables } from './state-tables.ts';

/** The resources needs are granted on. */
export interface NeedResources {
  readonly tables: StateTables;
  readonly clusterName: string;
  /** Required by the 'schedules' need. */
  readonly schedules?: BurstSchedules;
  /** Required by the 'events-publish' need. */
  readonly eventBus?: HmsEventBus;
  /** The deployed rotation function, the only one 'secrets-rotate-start' may put on a secret; absent when none is deployed. */
  readonly rotationFunctionArn?: string;
}

type Grant = (role: ManagedPolicyRole, resources: NeedResources) => void;

/** Only this system's alarms: every hms-sys alarm name starts with ALARM_PREFIX. */
const alarmArns = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${ALARM_PREFIX}*`;
const ALARM_ARNS_FINDING = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${ALARM_PREFIX}*]`;
const ALARM_ARNS_REASON = `Alarms are created at run time, one per rule, so their names are unknown at deploy time; the ${ALARM_PREFIX} prefix limits the grant to this system's alarms.`;
/** Every alarm in the stack's account and Region: what a DescribeAlarms list call is authorized against. */
const everyAlarmArn = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`;

/** Every secret in the stack's account and Region; the grants narrow it by tag or name. */
const secretArns = (name: string) => `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${name}`;
/** Where issued database credentials are stored (shared/use-cases/db-credentials.ts names them so). */
export const CREDENTIAL_SECRET_PREFIX = 'hms-sys/db-credentials/';
/** The secret carries the tag, whatever its value (secretsmanager:ResourceTag/<key> is present). */
const taggedWith = (tag: string) => ({ Null: { [`secretsmanager:ResourceTag/${tag}`]: 'false' } });
const TAGGED_SECRETS_FINDING = 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*]';
const TAGGED_SECRETS_REASON = `Secrets come under hms-sys rotation by being tagged, so their ARNs are unknown at deploy time; every statement on secret:* carries a condition that the secret holds the ${STRATEGY_TAG} (or, for master secrets, ${TEMPLATE_ROLE_TAG} or ${MASTER_TAG}) tag.`;
const ISSUED_SECRETS_ACKNOWLEDGEMENT = {
  id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${CREDENTIAL_SECRET_PREFIX}*]`,
  reason: `Each issued credential is a new secret whose name (service, random role name, and Secrets Manager's suffix) is made at run time; the grant is limited to names under ${CREDENTIAL_SECRET_PREFIX}.`,
};
/** The function a RotateSecret call sets on the secret, when it sets one. */
const ROTATION_LAMBDA_KEY = 'secretsmanager:RotationLambdaARN';
/** The actions the rotation function's four steps call on the secret it rotates. */
export const ROTATION_STEP_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
];

/** Use of the table key that reading and writing an encrypted table needs. */
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];

const GRANTS: Record<Need, Grant> = {
  state: (role, { tables }) => {
    tables.state.grant(role, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query');
    tables.key.grant(role, ...TABLE_KEY_ACTIONS);
  },
  // Append-only: no UpdateItem or DeleteItem (a verify checkpoint is a conditional PutItem). Written as
  // statements because table.grant() would cover index/*; each index is named.
  audit: (role, { tables }) => {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        resources: [tables.audit.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: tables.auditIndexNames.map((name) => `${tables.audit.tableArn}/index/${name}`),
      }),
    );
    tables.key.grant(role, ...TABLE_KEY_ACTIONS);
  },
  // DescribeAlarms with AlarmNamePrefix is authorized against every alarm, not the prefix, so a grant
  // on alarm:hms-sys-* is refused (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/permissions-reference-cw.html).
  'alarms-read': (role) => {
    role.addPolicy(
      'AlarmsDescribe',
      [new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: [everyAlarmArn] })],
      [
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:*]',
          reason:
            'CloudWatch authorizes DescribeAlarms with AlarmNamePrefix against alarm:* rather than the prefix, so a narrower grant is refused; the call is read-only, returns alarm metadata only, and the adapter asks for the hms-sys- prefix and metric alarms alone.',
        },
      ],
    );
  },
  'alarms-write': (role) => {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource'],
        resources: [alarmArns],
      }),
    );
    role.acknowledgeGrant({ id: ALARM_ARNS_FINDING, reason: ALARM_ARNS_REASON });
  },
  'metrics-read': (role) => {
    role.addPolicy(
      'MetricsRead',
      [new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] })],
      [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'cloudwatch:GetMetricData supports no resource-level permissions, so its resource must be *.',
        },
      ],
    );
  },
  'cluster-read': describeCluster,
  'cluster-write': describeCluster,
  'cluster-capacity': describeCluster,
  'cluster-restart': describeCluster,
  'node-groups-read': (role, { clusterName }) => {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['eks:ListNodegroups'], resources: [clusterArn(clusterName)] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['eks:DescribeNodegroup'], resources: [nodegroupArns(clusterName)] }));
    role.acknowledgeGrant({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:eks:<AWS::Region>:<AWS::AccountId>:nodegroup/${clusterName}/*/*]`,
      reason: `Node groups are listed at run time, and their ARNs end in names and ids EKS generates; the grant is limited to node groups of the ${clusterName} cluster.`,
    });
  },
  schedules: (role, { schedules }) => {
    if (schedules === undefined) throw new Error('the schedules need requires the burst schedule group');
    schedules.grantManage(role);
    role.acknowledgeGrant({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${SCHEDULE_GROUP_NAME}/*]`,
      reason: `One-shot schedules are created at run time, one per burst step, so their names are unknown at deploy time; the grant is limited to the ${SCHEDULE_GROUP_NAME} group.`,
    });
  },
  'events-publish': (role, { eventBus }) => {
    if (eventBus === undefined) throw new Error('the events-publish need requires the hms-sys event bus');
    eventBus.grantPublish(role);
  },
  // Secrets encrypted with the AWS managed key aws/secretsmanager need no KMS grant. A secret under
  // a customer managed key also needs kms:Decrypt (and kms:GenerateDataKey to write versions) on that
  // key, which is not granted here: allow it in the key's policy for these roles, with
  // kms:ViaService secretsmanager.<region>.amazonaws.com.
  'secrets-rotate': (role) => {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ROTATION_STEP_ACTIONS,
        resources: [secretArns('*')],
        conditions: taggedWith(STRATEGY_TAG),
      }),
    );
    // Alternating users: read the superuser secret named by masterarn, which carries the master tag.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArns('*')],
        conditions: taggedWith(MASTER_TAG),
      }),
    );
    role.acknowledgeGrant({ id: TAGGED_SECRETS_FINDING, reason: TAGGED_SECRETS_REASON });
    role.addPolicy(
      'RandomPasswords',
      [new iam.PolicyStatement({ actions: ['secretsmanager:GetRandomPassword'], resources: ['*'] })],
      [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'secretsmanager:GetRandomPassword acts on no secret and supports no resource-level permissions, so its resource must be *.',
        },
      ],
    );
  },
  // A rotated secret's service is found from the event; the restarter reads its versions' stages.
  'secrets-describe': (role) => {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:DescribeSecret'],
        resources: [secretArns('*')],
        conditions: taggedWith(STRATEGY_TAG),
      }),
    );
    role.acknowledgeGrant({ id: TAGGED_SECRETS_FINDING, reason: TAGGED_SECRETS_REASON });
  },
  'secrets-rotate-start': (role, { rotationFunctionArn }) => {
    role.addPolicy(
      'SecretsListing',
      [new iam.PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] })],
      [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'secretsmanager:ListSecrets supports no resource-level permissions, so its resource must be *; listing returns metadata only, never a value.',
        },
      ],
    );
    // Secrets under rotation: their versions' dates (ListSecretVersionIds: how old a pending rotation is),
    // and their labels when RotateSecret refuses (DescribeSecret: which version holds AWSPENDING).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'],
        resources: [secretArns('*')],
        conditions: taggedWith(STRATEGY_TAG),
      }),
    );
    // Start a rotation, or give a secret its schedule, naming hms-sys's rotation function and no other.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:RotateSecret'],
        resources: [secretArns('*')],
        conditions:
          rotationFunctionArn === undefined
            ? { Null: { ...taggedWith(STRATEGY_TAG).Null, [ROTATION_LAMBDA_KEY]: 'true' } }
            : { ...taggedWith(STRATEGY_TAG), ArnEqualsIfExists: { [ROTATION_LAMBDA_KEY]: rotationFunctionArn } },
      }),
    );
    // RotateSecret also needs lambda:InvokeFunction on the rotation function, checked against the caller
    // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html, "Required permissions").
    if (rotationFunctionArn !== undefined) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [rotationFunctionArn] }));
    }
    role.acknowledgeGrant({ id: TAGGED_SECRETS_FINDING, reason: TAGGED_SECRETS_REASON });
  },
  // The sweeper alone: AWSPENDING taken off a stuck rotation's stale version, so RotateSecret can start again.
  'secrets-unwedge': (role) => {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:UpdateSecretVersionStage'],
        resources: [secretArns('*')],
        conditions: taggedWith(STRATEGY_TAG),
      }),
    );
    role.acknowledgeGrant({ id: TAGGED_SECRETS_FINDING, reason: TAGGED_SECRETS_REASON });
  },
  // Issue (shared/use-cases/issue-db-credential.ts): read the master secret the request names, which
  // carries the template-role tag; make a password; create the credential's secret with its tags
  // (CreateSecret with tags also needs TagResource), deleting it again if the role cannot be made; list
  // the service's earlier credentials.
  'credentials-issue': (role) => {
    role.addPolicy(
      'CredentialIssuing',
      [
        new iam.PolicyStatement({
          actions: ['secretsmanager:ListSecrets', 'secretsmanager:GetRandomPassword'],
          resources: ['*'],
        }),
      ],
      [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'secretsmanager:ListSecrets and secretsmanager:GetRandomPassword support no resource-level permissions, so their resource must be *; listing returns metadata only, never a value.',
        },
      ],
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        resources: [secretArns('*')],
        conditions: taggedWith(TEMPLATE_ROLE_TAG),
      }),
    );
    role.acknowledgeGrant({ id: TAGGED_SECRETS_FINDING, reason: TAGGED_SECRETS_REASON });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource', 'secretsmanager:DeleteSecret'],
        resources: [secretArns(`${CREDENTIAL_SECRET_PREFIX}*`)],
      }),
    );
    role.acknowledgeGrant(ISSUED_SECRETS_ACKNOWLEDGEMENT);
  },
  // Revoke (shared/use-cases/revoke-db-credentials.ts): list issued credentials by tag, read each one's
  // master secret (the login that drops the role), delete the credential's secret.
  'credentials-revoke': (role) => {
    role.addPolicy(
      'CredentialListing',
      [new iam.PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] })],
      [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'secretsmanager:ListSecrets supports no resource-level permissions, so its resource must be *; listing returns metadata only, never a value.',
        },
      ],
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArns('*')],
        conditions: taggedWith(TEMPLATE_ROLE_TAG),
      }),
    );
    role.acknowledgeGrant({ id: TAGGED_SECRETS_FINDING, reason: TAGGED_SECRETS_REASON });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:DeleteSecret'],
        resources: [secretArns(`${CREDENTIAL_SECRET_PREFIX}*`)],
      }),
    );
    role.acknowledgeGrant(ISSUED_SECRETS_ACKNOWLEDGEMENT);
  },
  // Nothing in IAM: PostgreSQL logins are the passwords in the secrets. What the need takes is the
  // network (the database client security group, FunctionNetwork) and the RDS CA bundle (Controller).
  database: () => {},
};

const clusterArn = (clusterName: string) => `arn:${Aws.PARTITION}:eks:${Aws.REGION}:${Aws.ACCOUNT_ID}:cluster/${clusterName}`;
/** Node group ARNs are nodegroup/<cluster>/<name>/<id>. */
const nodegroupArns = (clusterName: string) => `arn:${Aws.PARTITION}:eks:${Aws.REGION}:${Aws.ACCOUNT_ID}:nodegroup/${clusterName}/*/*`;

/** The EKS endpoint and certificate; access inside the cluster comes from its access entry. */
function describeCluster(role: ManagedPolicyRole, { clusterName }: NeedResources): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['eks:DescribeCluster'],
      resources: [clusterArn(clusterName)],
    }),
  );
}

/** Grants each need once, scoped to the resources it names. */
export function grantNeeds(role: ManagedPolicyRole, needs: readonly Need[], resources: NeedResources): void {
  for (const need of new Set(needs)) GRANTS[need](role, resources);
}
