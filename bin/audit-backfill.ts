import { type AttributeValue, type DynamoDBClient, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { isConditionFailure } from '#adapters/aws/dynamodb-client.ts';
import { AUDIT_ATTRIBUTES, AUDIT_TABLE, AUDIT_TIME_INDEX, auditTimeKey, auditTimeShard } from '#adapters/aws/table-design.ts';
import type { AuditRecord } from '#domain/audit.ts';

type Item = Record<string, AttributeValue>;

export interface AuditBackfillOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Items a Scan page evaluates; DynamoDB also stops a page at 1 MB. */
  pageSize?: number;
  /** Called after each Scan page, with the totals so far. */
  onPage?: (progress: AuditBackfillResult) => void;
}

export interface AuditBackfillResult {
  /** Records found without a time shard. */
  found: number;
  /** Records this run gave one. */
  updated: number;
  /** Records that had one by the time of the update (an append or another run got there first). */
  skipped: number;
}

/**
 * Gives every audit record written before the sharded index its `timeShard` (and `timeKey`, if it
 * lacks one), so byTimeShard lists it. A paged Scan finds them; each UpdateItem sets only those
 * index attributes, under a condition that the record exists and has no shard yet, so a run never
 * creates an item, never touches a record's JSON or hash, and can be repeated or run beside appends.
 * The functions' audit grant is append-only, so this runs with the operator's own credentials
 * (bin/audit-backfill-index.ts), and lives beside the CLI rather than among the functions' adapters,
 * whose every call the IAM conformance test holds to a function's grant.
 */
export async function backfillAuditIndex(options: AuditBackfillOptions): Promise<AuditBackfillResult> {
  const { client, tableName } = options;
  const result: AuditBackfillResult = { found: 0, updated: 0, skipped: 0 };
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        // Checkpoints have no record and stay out of both indexes.
        FilterExpression: 'attribute_not_exists(#shard) AND attribute_exists(#record)',
        ExpressionAttributeNames: { '#shard': AUDIT_TIME_INDEX.partitionKey, '#record': AUDIT_ATTRIBUTES.record },
        Limit: options.pageSize ?? 500,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      result.found += 1;
      if (await setIndexAttributes(client, tableName, item)) result.updated += 1;
      else result.skipped += 1;
    }
    startKey = page.LastEvaluatedKey;
    options.onPage?.({ ...result });
  } while (startKey);
  return result;
}

async function setIndexAttributes(client: DynamoDBClient, tableName: string, item: Item): Promise<boolean> {
  const stream = item[AUDIT_TABLE.partitionKey]!.S!;
  const record = JSON.parse(item[AUDIT_ATTRIBUTES.record]!.S!) as AuditRecord;
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { [AUDIT_TABLE.partitionKey]: item[AUDIT_TABLE.partitionKey]!, [AUDIT_TABLE.sortKey]: item[AUDIT_TABLE.sortKey]! },
        UpdateExpression: 'SET #shard = :shard, #timeKey = if_not_exists(#timeKey, :timeKey)',
        ConditionExpression: 'attribute_exists(#stream) AND attribute_not_exists(#shard)',
        ExpressionAttributeNames: { '#shard': AUDIT_TIME_INDEX.partitionKey, '#timeKey': AUDIT_TIME_INDEX.sortKey, '#stream': AUDIT_TABLE.partitionKey },
        ExpressionAttributeValues: {
          ':shard': { S: auditTimeShard(stream) },
          ':timeKey': { S: auditTimeKey(record.time, stream, record.seq) },
        },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}
