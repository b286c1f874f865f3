import { ArnFormat, Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { DeadLetters } from './dead-letters.ts';
import { ManagedPolicyRole } from './managed-policy-role.ts';

/** The group every one-shot burst schedule is created in. */
export const SCHEDULE_GROUP_NAME = 'hms-sys-bursts';

const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';
/** The encryption context EventBridge Scheduler binds a schedule's payload to. */
const SCHEDULE_CONTEXT_KEY = 'kms:EncryptionContext:aws:scheduler:schedule:arn';

export interface BurstSchedulesProps {
  /** Deployed name of the burst runner; its ARN is built from it, so nothing here refers to the function. */
  readonly runnerFunctionName: string;
  /** Where Scheduler parks invocations that failed every retry. */
  readonly deadLetters: DeadLetters;
}

/**
 * What one-shot burst schedules need: their group, the key their payloads are encrypted with,
 * and the role EventBridge Scheduler assumes to invoke the burst runner.
 *
 * The runner's ARN is formatted from its fixed name rather than read from the function, because
 * the runner's own environment names the scheduler role: a reference both ways would be a cycle.
 */
export class BurstSchedules extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly key: kms.Key;
  readonly role: ManagedPolicyRole;
  readonly runnerArn: string;
  /** ARN pattern of every schedule in the group. */
  readonly scheduleArns: string;
  private readonly deadLetters: DeadLetters;

  constructor(scope: Construct, id: string, props: BurstSchedulesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.deadLetters = props.deadLetters;
    this.runnerArn = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: props.runnerFunctionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.scheduleArns = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${SCHEDULE_GROUP_NAME}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const groupArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule-group',
      resourceName: SCHEDULE_GROUP_NAME,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    // The group holds only short-lived one-shot schedules; the bursts themselves are in the
    // state table, and the runner's minute tick finds any step whose schedule is gone.
    this.group = new scheduler.ScheduleGroup(this, 'Group', {
      scheduleGroupName: SCHEDULE_GROUP_NAME,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.key = new kms.Key(this, 'Key', {
      description: 'hms-sys: encrypts the payloads of burst schedules',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new ManagedPolicyRole(this, 'Role', {
      // Only schedules of this account's burst group may use the role (confused-deputy guard).
      assumedBy: new iam.ServicePrincipal(SCHEDULER_SERVICE, {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnEquals: { 'aws:SourceArn': groupArn },
        },
      }),
      description: `hms-sys: EventBridge Scheduler invokes the burst runner from the ${SCHEDULE_GROUP_NAME} schedules`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeBurstRunner',
        actions: ['lambda:InvokeFunction'],
        resources: [this.runnerArn],
      }),
    );
    this.role.addToPrincipalPolicy(this.payloadKeyUse(['kms:Decrypt']));
    props.deadLetters.grantSend(this.role);
  }

  /** What a function that sets and cancels burst schedules reads (shared/adapters/aws/config.ts). */
  get environment(): Record<string, string> {
    return {
      SCHEDULE_GROUP: this.group.scheduleGroupName,
      BURST_RUNNER_ARN: this.runnerArn,
      SCHEDULER_ROLE_ARN: this.role.roleArn,
      SCHEDULER_DLQ_ARN: this.deadLetters.queue.queueArn,
      SCHEDULER_KMS_KEY_ARN: this.key.keyArn,
    };
  }

  /**
   * Lets a role create, replace and delete schedules in the group, hand them the scheduler role
   * (and no other role, to no other service), and encrypt their payloads with the key.
   */
  grantManage(role: ManagedPolicyRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: [this.scheduleArns],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': SCHEDULER_SERVICE } },
      }),
    );
    // Scheduler checks the key is symmetric with the caller's credentials, then encrypts the
    // payload with a data key made under the schedule's encryption context.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:DescribeKey'], resources: [this.key.keyArn] }));
    role.addToPrincipalPolicy(this.payloadKeyUse(['kms:GenerateDataKey', 'kms:Decrypt']));
  }

  /** Key use limited to payloads of schedules in the group. */
  private payloadKeyUse(actions: string[]): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions,
      resources: [this.key.keyArn],
      conditions: { ArnLike: { [SCHEDULE_CONTEXT_KEY]: this.scheduleArns } },
    });
  }
}
