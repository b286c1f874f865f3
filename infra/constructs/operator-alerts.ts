import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The topic hms-sys alarms notify. Operators subscribe to it outside the stack (email,
 * chat, paging), so the stack holds no personal addresses.
 */
export class OperatorAlerts extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  private eventRulesAllowed = false;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const key = new kms.Key(this, 'Key', {
      description: 'hms-sys: encrypts the operator alerts topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key = key;
    // CloudWatch publishes alarm notifications with its own credentials.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishEncrypted',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'hms-sys operator alerts',
      masterKey: key,
      enforceSSL: true,
    });
    // The topic has its own policy (for enforceSSL), so CloudWatch must be allowed explicitly;
    // only alarms in this account and Region qualify.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsInThisAccountPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
  }

  /**
   * Makes the topic a target of `rule`. Written out rather than through targets.SnsTopic, whose
   * grant adds `kms:GenerateDataKey*` to the key policy: here EventBridge gets the two key
   * actions SNS encryption needs, and may publish only for the rules given.
   */
  notifyOn(rule: events.Rule, deadLetterQueue: sqs.IQueue): void {
    if (!this.eventRulesAllowed) {
      this.eventRulesAllowed = true;
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'EventBridgeRulesPublishEncrypted',
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: ['*'],
        }),
      );
    }
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );
    const topicArn = this.topic.topicArn;
    rule.addTarget({
      bind: (boundRule) => {
        targets.addToDeadLetterQueueResourcePolicy(boundRule, deadLetterQueue);
        return {
          ...targets.bindBaseTargetConfig({ deadLetterQueue, retryAttempts: 4, maxEventAge: Duration.hours(1) }),
          arn: topicArn,
          targetResource: this.topic,
        };
      },
    });
  }
}
