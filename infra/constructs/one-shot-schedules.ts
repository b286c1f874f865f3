import { ArnFormat, Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { DeadLetters } from './dead-letters.ts';
import { ManagedPolicyRole } from './managed-policy-role.ts';

const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';
/** The encryption context EventBridge Scheduler binds a schedule's payload to. */
const SCHEDULE_CONTEXT_KEY = 'kms:EncryptionContext:aws:scheduler:schedule:arn';

export interface OneShotSchedulesProps {
  /** The schedule group every schedule of this kind is created in. */
  readonly groupName: string;
  /** Deployed name of the function the schedules invoke; its ARN is built from it. */
  readonly targetFunctionName: string;
  /** Where Scheduler parks invocations that failed every retry. */
  readonly deadLetters: DeadLetters;
  /** What the schedules are for, in the key's and role's descriptions, e.g. 'burst'. */
  readonly purpose: string;
  /** Sid of the role's invoke statement. */
  readonly invokeSid: string;
}

/**
 * What one-shot schedules of one kind need: their group, the key their payloads are encrypted
 * with, and the role EventBridge Scheduler assumes to invoke the target function.
 *
 * The target's ARN is formatted from its fixed name rather than read from the function, because
 * the target's own environment names the scheduler role: a reference both ways would be a cycle.
 */
export class OneShotSchedules extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly key: kms.Key;
  readonly role: ManagedPolicyRole;
  readonly targetArn: string;
  /** ARN pattern of every schedule in the group. */
  readonly scheduleArns: string;
  protected readonly deadLetters: DeadLetters;

  constructor(scope: Construct, id: string, props: OneShotSchedulesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.deadLetters = props.deadLetters;
    this.targetArn = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: props.targetFunctionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.scheduleArns = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${props.groupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const groupArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule-group',
      resourceName: props.groupName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    // The group holds only short-lived one-shot schedules; what they act on is in the state table,
    // and the target's minute tick finds any whose schedule is gone.
    this.group = new scheduler.ScheduleGroup(this, 'Group', {
      scheduleGroupName: props.groupName,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.key = new kms.Key(this, 'Key', {
      description: `hms-sys: encrypts the payloads of ${props.purpose} schedules`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new ManagedPolicyRole(this, 'Role', {
      // Only schedules of this account's group may use the role (confused-deputy guard).
      assumedBy: new iam.ServicePrincipal(SCHEDULER_SERVICE, {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnEquals: { 'aws:SourceArn': groupArn },
        },
      }),
      description: `hms-sys: EventBridge Scheduler invokes ${props.targetFunctionName} from the ${props.groupName} schedules`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: props.invokeSid,
        actions: ['lambda:InvokeFunction'],
        resources: [this.targetArn],
      }),
    );
    this.role.addToPrincipalPolicy(this.payloadKeyUse(['kms:Decrypt']));
    props.deadLetters.grantSend(this.role);
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
