import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface LogStorageProps {
  /**
   * How long every log group keeps its events.
   * @default one year (M-21-31 asks agencies for 12 months of active log storage)
   */
  readonly retention?: logs.RetentionDays;
}

/**
 * The one place log groups are made: each is encrypted with a customer-managed key that
 * only CloudWatch Logs in this account and Region may use, and keeps events for `retention`.
 */
export class LogStorage extends Construct {
  readonly key: kms.Key;
  readonly retention: logs.RetentionDays;

  constructor(scope: Construct, id: string, props: LogStorageProps = {}) {
    super(scope, id);
    this.retention = props.retention ?? logs.RetentionDays.ONE_YEAR;
    this.key = new kms.Key(this, 'Key', {
      description: 'hms-sys: encrypts function and API access log groups',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsUsesKeyForThisAccountLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:DescribeKey',
        ],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );
  }

  /** A new encrypted log group with this storage's retention, kept when the stack is deleted. */
  createLogGroup(scope: Construct, id: string, logGroupName?: string): logs.LogGroup {
    const logGroup = new logs.LogGroup(scope, id, {
      logGroupName,
      encryptionKey: this.key,
      retention: this.retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs checks the key policy when the group is created.
    logGroup.node.addDependency(this.key);
    return logGroup;
  }
}
