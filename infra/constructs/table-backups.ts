import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface TableBackupsProps {
  /** Tables to back up. */
  readonly tables: readonly dynamodb.ITableRef[];
}

/**
 * AWS Backup for the tables (NIST 800-53 CP-9): daily backups kept 35 days and monthly
 * backups kept a year, in a vault that outlives the stack. Point-in-time recovery covers
 * mistakes of the last minutes; these cover mistakes noticed weeks later.
 */
export class TableBackups extends Construct {
  readonly plan: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: TableBackupsProps) {
    super(scope, id);
    const vault = new backup.BackupVault(this, 'Vault', { removalPolicy: RemovalPolicy.RETAIN });
    this.plan = backup.BackupPlan.dailyMonthly1YearRetention(this, 'Plan', vault);
    const selection = this.plan.addSelection('Tables', {
      resources: props.tables.map((table) => backup.BackupResource.fromDynamoDbTable(table)),
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'The role is assumed only by AWS Backup; its AWS-maintained service policy tracks the backup APIs AWS Backup calls, which a hand-written copy would miss as they change.',
    });
  }
}
