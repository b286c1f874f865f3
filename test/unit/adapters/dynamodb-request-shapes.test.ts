import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { dynamoDbClient } from '#adapters/aws/dynamodb-client.ts';
import { DynamoDbStateStore } from '#adapters/aws/dynamodb-state-store.ts';
import { auditTimeShard } from '#adapters/aws/table-design.ts';
import type { Service } from '#domain/model.ts';
import { StaleVersionError } from '#ports/errors.ts';
import { backfillAuditIndex } from '../../../bin/audit-backfill.ts';

const dynamo = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const store = new DynamoDbStateStore({ client, tableName: 'state' });

const api: Service = {
  name: 'api',
  cluster: 'dev',
  namespace: 'apps',
  deployment: 'api',
  tags: { agency: 'DOT', program: 'roads', fiscalYear: 'FY26' },
  createdAt: '2026-01-01T00:00:00.000Z',
  version: 4,
};
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => dynamo.reset());

describe('DynamoDbStateStore request shapes', () => {
  it('creates with attribute_not_exists on the partition key', async () => {
    dynamo.on(PutItemCommand).resolves({});
    await store.putService({ ...api, version: 1 }, null);

    const input = dynamo.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(input.TableName).toBe('state');
    expect(input.ConditionExpression).toBe('attribute_not_exists(#pk)');
    expect(input.ExpressionAttributeNames).toEqual({ '#pk': 'pk' });
    expect(input.Item).toMatchObject({ pk: { S: 'service' }, sk: { S: 'api' }, version: { N: '1' } });
    expect(JSON.parse(input.Item!.body!.S!)).toEqual({ ...api, version: 1 });
  });

  it('updates under a condition on the expected version, refused while the service is marked for deletion, and stores the new one', async () => {
    dynamo.on(PutItemCommand).resolves({});
    await store.putService(api, 3);

    const input = dynamo.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(input.ConditionExpression).toBe('#version = :expected AND attribute_not_exists(#unless)');
    expect(input.ExpressionAttributeNames).toEqual({ '#version': 'version', '#unless': 'deleting' });
    expect(input.ExpressionAttributeValues).toEqual({ ':expected': { N: '3' } });
    expect(input.Item!.version).toEqual({ N: '4' });
  });

  it('deletes rules under a condition on the expected version', async () => {
    dynamo.on(DeleteItemCommand).resolves({});
    await store.deleteRule('AR-101', 7);

    const input = dynamo.commandCalls(DeleteItemCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ pk: { S: 'rule' }, sk: { S: 'AR-101' } });
    expect(input.ConditionExpression).toBe('#version = :expected');
    expect(input.ExpressionAttributeValues).toEqual({ ':expected': { N: '7' } });
  });

  it('maps ConditionalCheckFailedException to StaleVersionError, keeping the cause', async () => {
    const failure = conditionFailed();
    dynamo.on(PutItemCommand).rejects(failure);
    dynamo.on(DeleteItemCommand).rejects(conditionFailed());

    const err = await store.putRule({ ruleId: 'AR-101', version: 2 } as never, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleVersionError);
    expect((err as Error).cause).toBe(failure);
    await expect(store.deleteService('api', 1)).rejects.toBeInstanceOf(StaleVersionError);
  });

  it('passes other errors through unchanged', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    dynamo.on(PutItemCommand).rejects(throttled);
    await expect(store.putService(api, 3)).rejects.toBe(throttled);
  });

  it('allocates rule numbers with an atomic counter starting at 100', async () => {
    dynamo.on(UpdateItemCommand).resolves({ Attributes: { n: { N: '101' } } });
    expect(await store.nextRuleNumber()).toBe(101);

    const input = dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ pk: { S: 'counter' }, sk: { S: 'rule' } });
    expect(input.UpdateExpression).toBe('SET #n = if_not_exists(#n, :start) + :one');
    expect(input.ExpressionAttributeNames).toEqual({ '#n': 'n' });
    expect(input.ExpressionAttributeValues).toEqual({ ':start': { N: '100' }, ':one': { N: '1' } });
    expect(input.ReturnValues).toBe('UPDATED_NEW');
  });

  it('claims an event when it is new or its lease ran out, with a 7-day expiry', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    const now = new Date('2026-03-01T12:00:00.000Z');
    expect(await store.claimEvent('evt-1', 120, now)).toEqual({ status: 'claimed', token: expect.any(String) });

    const input = dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ pk: { S: 'event' }, sk: { S: 'evt-1' } });
    expect(input.ConditionExpression).toBe('attribute_not_exists(#pk) OR (#status = :inProgress AND #lease < :now)');
    expect(input.ExpressionAttributeValues).toMatchObject({
      ':lease': { N: String(now.getTime() + 120_000) },
      ':now': { N: String(now.getTime()) },
      ':expires': { N: String(now.getTime() / 1000 + 7 * 86_400) },
    });
    const claim = await store.claimEvent('evt-2', 120, now);
    expect(dynamo.commandCalls(UpdateItemCommand)[1]!.args[0].input.ExpressionAttributeValues?.[':token']).toEqual({ S: (claim as { token: string }).token });
  });

  it('completes and releases a claim only for the token that holds it', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    dynamo.on(DeleteItemCommand).resolves({});
    await store.completeEvent('evt-1', 'tok-1', { outcome: 'scaled' }, new Date('2026-03-01T12:00:00.000Z'));
    await store.releaseEvent('evt-2', 'tok-2');
    const complete = dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(complete.ConditionExpression).toBe('#owner = :token');
    expect(complete.ExpressionAttributeValues?.[':token']).toEqual({ S: 'tok-1' });
    const release = dynamo.commandCalls(DeleteItemCommand)[0]!.args[0].input;
    expect(release.ConditionExpression).toBe('#status = :inProgress AND #owner = :token');
    expect(release.ExpressionAttributeValues?.[':token']).toEqual({ S: 'tok-2' });
  });

  it('reads the event back consistently when the claim condition fails', async () => {
    dynamo.on(UpdateItemCommand).rejects(conditionFailed());
    dynamo.on(GetItemCommand).resolves({ Item: { status: { S: 'done' }, result: { S: '{"replicas":4}' } } });

    expect(await store.claimEvent('evt-1', 120, new Date())).toEqual({ status: 'done', result: { replicas: 4 } });
    expect(dynamo.commandCalls(GetItemCommand)[0]!.args[0].input.ConsistentRead).toBe(true);
  });
});

describe('DynamoDbAuditLog request shapes', () => {
  it('appends after a consistent read of the head, under attribute_not_exists', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutItemCommand).resolves({});
    const log = new DynamoDbAuditLog({ client, tableName: 'audit' });
    await log.append({
      time: '2026-03-01T12:00:00.000Z',
      actor: 'user/alice',
      action: 'service.create',
      target: 'service/api',
      before: null,
      after: { name: 'api' },
      outcome: 'success',
      reasons: [],
      requestId: 'r1',
      service: 'api',
    });

    const head = dynamo.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(head).toMatchObject({ ScanIndexForward: false, Limit: 1, ConsistentRead: true });
    const put = dynamo.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(put.ConditionExpression).toBe('attribute_not_exists(#stream)');
    expect(put.Item).toMatchObject({
      stream: { S: 'service#api' },
      seq: { N: '1' },
      timeShard: { S: auditTimeShard('service#api') },
      timeKey: { S: '2026-03-01T12:00:00.000Z#service#api#000000000001' },
    });
    expect(put.Item!.timeShard!.S).toMatch(/^audit#[0-7]$/);
  });

  it('reads one service over a time window as a key range on the stream-time index, not a filter', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const log = new DynamoDbAuditLog({ client, tableName: 'audit' });
    await log.list({ service: 'api', since: '2026-03-01T00:00:00Z', until: '2026-03-02T00:00:00Z', limit: 10 });

    const [query, ...more] = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(more).toEqual([]);
    expect(query).toMatchObject({
      TableName: 'audit',
      IndexName: 'byStreamTime',
      ScanIndexForward: false,
      Limit: 12,
      KeyConditionExpression: '#source = :source AND #timeKey BETWEEN :from AND :below',
      ExpressionAttributeNames: { '#source': 'stream', '#timeKey': 'timeKey' },
      ExpressionAttributeValues: {
        ':source': { S: 'service#api' },
        ':from': { S: '2026-03-01T00:00:00.000Z' },
        ':below': { S: '2026-03-02T00:00:00.000Z$' },
      },
    });
    expect(query!.FilterExpression).toBeUndefined();
  });

  it('reads every shard of the time index once per page, each newest first under the bound', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const log = new DynamoDbAuditLog({ client, tableName: 'audit' });
    await log.list({ until: '2026-03-02T00:00:00Z', limit: 5 });

    const queries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries.map((q) => q.ExpressionAttributeValues![':source']!.S).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `audit#${i}`));
    for (const query of queries) {
      expect(query).toMatchObject({
        IndexName: 'byTimeShard',
        ScanIndexForward: false,
        Limit: 6,
        KeyConditionExpression: '#source = :source AND #timeKey < :below',
      });
      expect(query.FilterExpression).toBeUndefined();
    }
  });

  it("without byStreamTime, reads the stream's table partition consistently, whole, with time as a filter", async () => {
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [], LastEvaluatedKey: { stream: { S: 'service#api' }, seq: { N: '7' } } })
      .resolves({ Items: [] });
    const log = new DynamoDbAuditLog({ client, tableName: 'audit', indexes: ['byTime', 'byTimeShard'] });
    await log.list({ service: 'api', since: '2026-03-01T00:00:00Z', until: '2026-03-02T00:00:00Z', limit: 10 });

    const queries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toHaveLength(2);
    expect(queries[1]!.ExclusiveStartKey).toEqual({ stream: { S: 'service#api' }, seq: { N: '7' } });
    expect(queries[0]).toMatchObject({
      TableName: 'audit',
      ConsistentRead: true,
      KeyConditionExpression: '#source = :source',
      FilterExpression: '#timeKey >= :from AND #timeKey < :below',
      ExpressionAttributeNames: { '#source': 'stream', '#timeKey': 'timeKey' },
      ExpressionAttributeValues: {
        ':source': { S: 'service#api' },
        ':from': { S: '2026-03-01T00:00:00.000Z' },
        ':below': { S: '2026-03-02T00:00:00.000Z$' },
      },
    });
    expect(queries[0]!.IndexName).toBeUndefined();
    expect(queries[0]!.Limit).toBeUndefined();
  });

  it('without byTimeShard, lists every stream from the one byTime partition, and appends set its key', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutItemCommand).resolves({});
    const log = new DynamoDbAuditLog({ client, tableName: 'audit', indexes: ['byTime', 'byStreamTime'] });
    await log.list({ until: '2026-03-02T00:00:00Z', limit: 5 });

    const [query, ...more] = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(more).toEqual([]);
    expect(query).toMatchObject({
      IndexName: 'byTime',
      ScanIndexForward: false,
      Limit: 6,
      KeyConditionExpression: '#source = :source AND #timeKey < :below',
      ExpressionAttributeNames: { '#source': 'feed', '#timeKey': 'timeKey' },
      ExpressionAttributeValues: { ':source': { S: 'audit' }, ':below': { S: '2026-03-02T00:00:00.000Z$' } },
    });

    dynamo.reset();
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutItemCommand).resolves({});
    await log.append({
      time: '2026-03-01T12:00:00.000Z',
      actor: 'user/alice',
      action: 'service.create',
      target: 'service/api',
      before: null,
      after: null,
      outcome: 'success',
      reasons: [],
      requestId: 'r1',
      service: 'api',
    });
    expect(dynamo.commandCalls(PutItemCommand)[0]!.args[0].input.Item).toMatchObject({
      feed: { S: 'audit' },
      timeShard: { S: auditTimeShard('service#api') },
      timeKey: { S: '2026-03-01T12:00:00.000Z#service#api#000000000001' },
    });
  });

  it('backfills with a paged Scan and conditional updates that set only the index attributes', async () => {
    const record = { time: '2026-03-01T12:00:00Z', stream: 'service#api', seq: 3 };
    const item = { stream: { S: 'service#api' }, seq: { N: '3' }, record: { S: JSON.stringify(record) } };
    dynamo
      .on(ScanCommand)
      .resolvesOnce({ Items: [item], LastEvaluatedKey: { stream: { S: 'service#api' }, seq: { N: '3' } } })
      .resolves({ Items: [item] });
    dynamo.on(UpdateItemCommand).resolvesOnce({}).rejects(conditionFailed());
    expect(await backfillAuditIndex({ client, tableName: 'audit' })).toEqual({ found: 2, updated: 1, skipped: 1 });

    const scans = dynamo.commandCalls(ScanCommand).map((call) => call.args[0].input);
    expect(scans[0]!.FilterExpression).toBe('attribute_not_exists(#shard) AND attribute_exists(#record)');
    expect(scans[1]!.ExclusiveStartKey).toEqual({ stream: { S: 'service#api' }, seq: { N: '3' } });
    expect(dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input).toMatchObject({
      Key: { stream: { S: 'service#api' }, seq: { N: '3' } },
      UpdateExpression: 'SET #shard = :shard, #timeKey = if_not_exists(#timeKey, :timeKey)',
      ConditionExpression: 'attribute_exists(#stream) AND attribute_not_exists(#shard)',
      ExpressionAttributeValues: { ':shard': { S: auditTimeShard('service#api') }, ':timeKey': { S: '2026-03-01T12:00:00.000Z#service#api#000000000003' } },
    });
  });

  it('verifies from a seq with consistent, forward key-range reads', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const log = new DynamoDbAuditLog({ client, tableName: 'audit' });
    await log.readChain('service#api', 41, 1000);

    const query = dynamo.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(query).toMatchObject({
      KeyConditionExpression: '#stream = :stream AND #seq > :after',
      ConsistentRead: true,
      ScanIndexForward: true,
      Limit: 1001,
      ExpressionAttributeValues: { ':stream': { S: 'service#api' }, ':after': { N: '41' } },
    });
    expect(query.IndexName).toBeUndefined();
  });
});

describe('dynamoDbClient', () => {
  it('builds one client per endpoint, with dummy credentials for a local one', async () => {
    const local = dynamoDbClient({ endpoint: 'http://127.0.0.1:4567' });
    expect(dynamoDbClient({ endpoint: 'http://127.0.0.1:4567' })).toBe(local);
    expect(dynamoDbClient({ endpoint: 'http://127.0.0.1:4568' })).not.toBe(local);
    expect((await local.config.credentials()).accessKeyId).toBe('local');
  });
});
