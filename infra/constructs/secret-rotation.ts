import { createHash } from 'node:crypto';
import { Aws } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { rotationEventPattern } from '#functions/consumer-restarter/triggers.ts';
import type { RotatedSecret } from '../config.ts';
import type { DeadLetters } from './dead-letters.ts';
import type { OperatorAlerts } from './operator-alerts.ts';

export const SECRETS_MANAGER_SERVICE = 'secretsmanager.amazonaws.com';

export interface SecretRotationProps {
  /** The rotation function Secrets Manager invokes for each step. */
  readonly rotationFunction: lambda.IFunction;
  /** Existing secrets to put on a schedule (context hms:rotatedSecrets). */
  readonly rotatedSecrets: readonly RotatedSecret[];
  /** Topic failed rotations are reported to. */
  readonly alerts: OperatorAlerts;
  /** Where EventBridge parks alerts it could not deliver. */
  readonly deadLetters: DeadLetters;
}

/**
 * What makes the rotation function Secrets Manager's: the permission for Secrets Manager in this
 * account to invoke it, a rotation schedule for each configured secret, and a rule that tells
 * operators when a rotation fails. Secrets tagged later are not scheduled here; the sweeper reports
 * them as unscheduled.
 */
export class SecretRotation extends Construct {
  readonly invokePermission: lambda.CfnPermission;
  readonly schedules: readonly secretsmanager.CfnRotationSchedule[];
  readonly failureRule: events.Rule;

  constructor(scope: Construct, id: string, props: SecretRotationProps) {
    super(scope, id);
    const functionArn = props.rotationFunction.functionArn;
    // aws:SourceAccount only, as Secrets Manager advises: a SourceArn would tie the function to one secret.
    this.invokePermission = new lambda.CfnPermission(this, 'SecretsManagerInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: functionArn,
      principal: SECRETS_MANAGER_SERVICE,
      sourceAccount: Aws.ACCOUNT_ID,
    });

    this.schedules = props.rotatedSecrets.map((secret) => {
      const schedule = new secretsmanager.CfnRotationSchedule(this, `Schedule${stableSuffix(secret.arn)}`, {
        secretId: secret.arn,
        rotationLambdaArn: functionArn,
        rotationRules: { scheduleExpression: secret.scheduleExpression },
        // Deploying must not rotate every secret (and restart their consumers); the schedule does.
        rotateImmediatelyOnUpdate: false,
      });
      // Secrets Manager checks it may invoke the function when the schedule is set.
      schedule.addResourceDependency(this.invokePermission);
      return schedule;
    });

    this.failureRule = new events.Rule(this, 'RotationFailed', {
      description: 'hms-sys: a Secrets Manager rotation failed (service-event and API-call forms), to the operator topic',
      // Written as AWS documents it (`detail-type`); CDK passes other top-level keys through unchanged.
      eventPattern: rotationEventPattern('RotationFailed') as events.EventPattern,
    });
    props.alerts.notifyOn(this.failureRule, props.deadLetters.queue);
  }
}

/** A construct id that stays with the secret when the list is reordered (a secret has one schedule). */
function stableSuffix(arn: string): string {
  return createHash('sha256').update(arn).digest('hex').slice(0, 12);
}
