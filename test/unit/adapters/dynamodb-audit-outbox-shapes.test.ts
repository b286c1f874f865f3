import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { DynamoDbAuditOutbox, outboxKey } from '#adapters/aws/dynamodb-audit-outbox.ts';
import { auditEntry } from './audit-log-contract.ts';
import { pendingAudit } from './audit-outbox-contract.ts';

// What dynalite cannot show: the requests themselves. A claim never creates an item, and the
// append's duplicate search reads the table (the only place a strongly consistent read exists),
// not an index (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html).
const dynamo = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

beforeEach(() => dynamo.reset());

describe('DynamoDbAuditOutbox claims', () => {
  const pending = pendingAudit('x', 1, true);
  const key = outboxKey(pending);

  it('claims with one conditional UpdateItem on the outbox key: the item must exist, any claim must have lapsed or be its own', async () => {
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(UpdateItemCommand).resolves({ Attributes: { claimedBy: { S: 'd-1' }, claimAfterSeq: { N: '4' } } });
    const outbox = new DynamoDbAuditOutbox({ client, tableName: 'audit' });
    await outbox.put(pending);
    const claim = await outbox.claim('x', { by: 'd-1', until: '2026-03-01T12:02:00.000Z', afterSeq: 9 }, '2026-03-01T12:01:00.000Z');
    expect(claim).toEqual({ by: 'd-1', until: '2026-03-01T12:02:00.000Z', afterSeq: 4 });
    const [call] = dynamo.commandCalls(UpdateItemCommand);
    expect(call?.args[0].input).toEqual({
      TableName: 'audit',
      Key: { stream: { S: key.shard }, seq: { N: key.position } },
      UpdateExpression: 'SET #by = :by, #until = :until, #after = if_not_exists(#after, :after)',
      ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#until) OR #until <= :now OR #by = :by)',
      ExpressionAttributeNames: { '#pk': 'stream', '#by': 'claimedBy', '#until': 'claimedUntil', '#after': 'claimAfterSeq' },
      ExpressionAttributeValues: {
        ':by': { S: 'd-1' },
        ':until': { N: String(Date.parse('2026-03-01T12:02:00.000Z')) },
        ':after': { N: '9' },
        ':now': { N: String(Date.parse('2026-03-01T12:01:00.000Z')) },
      },
      ReturnValues: 'ALL_NEW',
    });
    expect(key.shard).toMatch(/^outbox#[0-3]$/);
  });

  it('answers null when the condition fails, and releases only its own claim, keeping afterSeq', async () => {
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    const outbox = new DynamoDbAuditOutbox({ client, tableName: 'audit' });
    await outbox.put(pending);
    expect(await outbox.claim('x', { by: 'd-2', until: '2026-03-01T12:02:00.000Z', afterSeq: 1 }, '2026-03-01T12:01:00.000Z')).toBeNull();
    await outbox.release('x', 'd-2');
    const release = dynamo.commandCalls(UpdateItemCommand)[1]?.args[0].input;
    expect(release).toMatchObject({
      UpdateExpression: 'REMOVE #by, #until',
      ConditionExpression: '#by = :by',
      ExpressionAttributeValues: { ':by': { S: 'd-2' } },
    });
  });
});

describe('DynamoDbAuditLog append with afterSeq', () => {
  it("searches the stream's own partition from afterSeq with a consistent read, then puts after its newest record", async () => {
    const log = new DynamoDbAuditLog({ client, tableName: 'audit' });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutItemCommand).resolves({});
    await log.append(auditEntry(1, 'api', { intent: 'x' }), { afterSeq: 3 });
    const queries = dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries[0]).toMatchObject({
      TableName: 'audit',
      KeyConditionExpression: '#stream = :stream AND #seq >= :from',
      ExpressionAttributeValues: { ':stream': { S: 'service#api' }, ':from': { N: '3' } },
      ConsistentRead: true,
    });
    for (const query of queries) {
      expect(query.IndexName).toBeUndefined();
      expect(query.ConsistentRead).toBe(true);
    }
  });
});
