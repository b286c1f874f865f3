import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { AUDIT_TABLE, AUDIT_TIME_INDEX, STATE_TABLE } from '#adapters/aws/table-design.ts';

/**
 * The state and audit tables, shaped by the same table design the adapters and the sandbox
 * use. Both are on-demand, encrypted with one customer-managed key, recoverable to any second
 * of the last 35 days, and protected from deletion.
 */
export class StateTables extends Construct {
  readonly key: kms.Key;
  readonly state: dynamodb.Table;
  readonly audit: dynamodb.Table;
  /** Name of the audit table's time index, for grants on the index ARN. */
  readonly auditTimeIndexName = AUDIT_TIME_INDEX.name;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'hms-sys: encrypts the state and audit tables',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const common = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    } satisfies Partial<dynamodb.TableProps>;

    this.state = new dynamodb.Table(this, 'State', {
      ...common,
      partitionKey: { name: STATE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STATE_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: STATE_TABLE.ttlAttribute,
    });

    this.audit = new dynamodb.Table(this, 'Audit', {
      ...common,
      partitionKey: { name: AUDIT_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: AUDIT_TABLE.sortKey, type: dynamodb.AttributeType.NUMBER },
    });
    this.audit.addGlobalSecondaryIndex({
      indexName: AUDIT_TIME_INDEX.name,
      partitionKey: { name: AUDIT_TIME_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: AUDIT_TIME_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
}
