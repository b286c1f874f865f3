import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { AUDIT_TABLE, type AuditIndexName, auditIndexesNamed, DEFAULT_AUDIT_INDEX_NAMES, STATE_TABLE } from '#adapters/aws/table-design.ts';

export interface StateTablesProps {
  /** The audit table's indexes (hms:auditIndexes); today's set when left out. */
  readonly auditIndexes?: readonly AuditIndexName[];
}

/**
 * The state and audit tables, shaped by the same table design the adapters and the sandbox
 * use. Both are on-demand, encrypted with one customer-managed key, recoverable to any second
 * of the last 35 days, and protected from deletion.
 */
export class StateTables extends Construct {
  readonly key: kms.Key;
  readonly state: dynamodb.Table;
  readonly audit: dynamodb.Table;
  /** Names of the audit table's indexes, for grants on the index ARNs and the functions' HMS_AUDIT_INDEXES. */
  readonly auditIndexNames: readonly AuditIndexName[];

  constructor(scope: Construct, id: string, props: StateTablesProps = {}) {
    super(scope, id);
    this.auditIndexNames = props.auditIndexes ?? DEFAULT_AUDIT_INDEX_NAMES;
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
    // The sandbox creates the same indexes in dynalite (auditTableInput). DynamoDB creates or deletes one
    // GSI per UpdateTable (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html),
    // so a stack deployed with the old byTime index upgrades through hms:auditIndexes in steps (README, Audit).
    for (const index of auditIndexesNamed(this.auditIndexNames)) {
      this.audit.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}
