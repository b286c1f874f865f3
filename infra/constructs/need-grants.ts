import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AUDIT_OUTBOX } from '#adapters/aws/audit-outbox-keys.ts';
import { ALARM_NAME_PREFIX as ALARM_PREFIX } from '#domain/alarms.ts';
import type { Need } from '#domain/triggers.ts';
import type { AuditArchive } from './audit-archive.ts';
import { AUDIT_ARCHIVE_GRANTS } from './audit-archive-grants.ts';
import { type BurstSchedules, SCHEDULE_GROUP_NAME } from './burst-schedules.ts';
import type { HmsEventBus } from './hms-event-bus.ts';
import type { ManagedPolicyRole } from './managed-policy-role.ts';
import { MESH_SCHEDULE_GROUP_NAME, type MeshSchedules } from './mesh-schedules.ts';
import { SECRET_GRANTS } from './secret-grants.ts';
import type { StateTables } from './state-tables.ts';

/** The resources needs are granted on. */
export interface NeedResources {
  readonly tables: StateTables;
  readonly clusterName: string;
  /** Required by the 'schedules' need. */
  readonly schedules?: BurstSchedules;
  /** Required by the 'mesh-schedules' need. */
  readonly meshSchedules?: MeshSchedules;
  /** Required by the 'events-publish' need. */
  readonly eventBus?: HmsEventBus;
  /** The deployed rotation function, the only one 'secrets-rotate-start' may put on a secret; absent when none is deployed. */
  readonly rotationFunctionArn?: string;
  /** The audit signing key and archive bucket; required by 'audit-digest'. */
  readonly auditArchive?: AuditArchive;
}

/** Grants one need to a role. */
export type NeedGrant = (role: ManagedPolicyRole, resources: NeedResources) => void;

/** `action` on the audit table's outbox items alone (why the Null condition: at 'audit-outbox'). */
function outboxItemsOnly(tables: StateTables, action: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [action],
    resources: [tables.audit.tableArn],
    conditions: {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${AUDIT_OUTBOX.streamPrefix}*`] },
      Null: { 'dynamodb:LeadingKeys': 'false' },
    },
  });
}

/** Only this system's alarms: every hms-sys alarm name starts with ALARM_PREFIX. */
const alarmArns = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${ALARM_PREFIX}*`;
const ALARM_ARNS_FINDING = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${ALARM_PREFIX}*]`;
const ALARM_ARNS_REASON = `Alarms are created at run time, one per rule, so their names are unknown at deploy time; the ${ALARM_PREFIX} prefix limits the grant to this system's alarms.`;
/** Every alarm in the stack's account and Region: what a DescribeAlarms list call is authorized against. */
const everyAlarmArn = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`;

/** Use of the table key that reading and writing an encrypted table needs. */
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];

const GRANTS: Record<Need, NeedGrant> = {
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
  // DeleteItem on outbox items alone. dynamodb:LeadingKeys holds the request's partition key values
  // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html); it is
  // multivalued, so ForAllValues, which "also returns true if there are no context keys in the request"
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html):
  // the Null condition refuses a request without the key rather than let it through.
  'audit-outbox': (role, { tables }) => {
    role.addToPrincipalPolicy(outboxItemsOnly(tables, 'dynamodb:DeleteItem'));
  },
  // A drainer's claim on an item, and its release: UpdateItem, conditional so it never creates an item.
  'audit-outbox-drain': (role, { tables }) => {
    role.addToPrincipalPolicy(outboxItemsOnly(tables, 'dynamodb:UpdateItem'));
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
  'cluster-mesh': describeCluster,
  'mesh-schedules': (role, { meshSchedules }) => {
    if (meshSchedules === undefined) throw new Error('the mesh-schedules need requires the mesh schedule group');
    meshSchedules.grantManage(role);
    role.acknowledgeGrant({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${MESH_SCHEDULE_GROUP_NAME}/*]`,
      reason: `One-shot schedules are created at run time, one per pause or open breaker (named after the service), so their names are unknown at deploy time; the grant is limited to the ${MESH_SCHEDULE_GROUP_NAME} group.`,
    });
  },
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
  ...SECRET_GRANTS,
  ...AUDIT_ARCHIVE_GRANTS,
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

/** Every need that has a grant: each must be declared by some function, or its grant is dead code. */
export const GRANTED_NEEDS = Object.keys(GRANTS) as readonly Need[];

/** Grants each need once, scoped to the resources it names. */
export function grantNeeds(role: ManagedPolicyRole, needs: readonly Need[], resources: NeedResources): void {
  for (const need of new Set(needs)) GRANTS[need](role, resources);
}
