import { type AttributeValue, DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { AuditDigest } from '#domain/audit-digest.ts';
import type { AuditDigestState, DigestMark, DigestMarkKind } from '#ports/audit-digest-state.ts';
import { StaleVersionError } from '#ports/errors.ts';
import { isConditionFailure } from './dynamodb-client.ts';
import { AUDIT_TABLE, AUDIT_TIME_INDEX, AUDIT_TIME_SHARDS, LOOKUP_TIME_SHARDS } from './table-design.ts';

type Item = Record<string, AttributeValue>;

/**
 * The digest run's own items in the audit table, beside the chains as the verify checkpoints are:
 * seq 0 under `digest#<stream>` (the newest digest), `pruned#<stream>` and `verified#<stream>` (its marks) and
 * `digest-run` (the last run's time) and `digest-retry` (the streams it could not digest). They carry no time-index keys, so no listing sees them.
 */
export const AUDIT_DIGEST_ITEMS = {
  headPrefix: 'digest#',
  markPrefix: { pruned: 'pruned#', verified: 'verified#' },
  run: 'digest-run',
  retry: 'digest-retry',
  seq: 0,
  /** Attributes: the JSON body, and the seq the next conditional save compares. */
  body: 'body',
  at: 'atSeq',
} as const;

/** Every time-index partition: the change streams' shards and the lookup streams' (`lookup#<n>`). */
const TIME_PARTITIONS = [...AUDIT_TIME_SHARDS, ...LOOKUP_TIME_SHARDS];

/** Deletes in flight at once while pruning a stream. */
const DELETE_CONCURRENCY = 16;

export class DynamoDbAuditDigestState implements AuditDigestState {
  constructor(private readonly options: { client: DynamoDBClient; tableName: string }) {}

  async changedStreams(since: string): Promise<string[]> {
    const found = await Promise.all(TIME_PARTITIONS.map((shard) => this.#streamsIn(shard, '#timeKey >= :bound', since, Number.POSITIVE_INFINITY)));
    return [...new Set(found.flat())].sort();
  }

  async streamsWithRecordsBefore(before: string, limit: number): Promise<string[]> {
    const found = await Promise.all(TIME_PARTITIONS.map((shard) => this.#streamsIn(shard, '#timeKey < :bound', before, limit)));
    return [...new Set(found.flat())].sort().slice(0, limit);
  }

  async getHead(stream: string): Promise<AuditDigest | null> {
    return this.#get<AuditDigest>(`${AUDIT_DIGEST_ITEMS.headPrefix}${stream}`);
  }

  saveHead(digest: AuditDigest, expectedLastSeq: number | null): Promise<void> {
    return this.#put(`${AUDIT_DIGEST_ITEMS.headPrefix}${digest.stream}`, digest, digest.lastSeq, expectedLastSeq);
  }

  async getLastRun(): Promise<string | null> {
    return this.#get<string>(AUDIT_DIGEST_ITEMS.run);
  }

  saveLastRun(time: string): Promise<void> {
    return this.#putBody(AUDIT_DIGEST_ITEMS.run, time);
  }

  async getRetryStreams(): Promise<string[]> {
    return (await this.#get<string[]>(AUDIT_DIGEST_ITEMS.retry)) ?? [];
  }

  saveRetryStreams(streams: string[]): Promise<void> {
    return this.#putBody(AUDIT_DIGEST_ITEMS.retry, streams);
  }

  async #putBody(stream: string, body: unknown): Promise<void> {
    await this.options.client.send(
      new PutItemCommand({ TableName: this.options.tableName, Item: { ...key(stream), [AUDIT_DIGEST_ITEMS.body]: { S: JSON.stringify(body) } } }),
    );
  }

  getMark(kind: DigestMarkKind, stream: string): Promise<DigestMark | null> {
    return this.#get<DigestMark>(`${AUDIT_DIGEST_ITEMS.markPrefix[kind]}${stream}`);
  }

  saveMark(kind: DigestMarkKind, mark: DigestMark, expectedSeq: number | null): Promise<void> {
    return this.#put(`${AUDIT_DIGEST_ITEMS.markPrefix[kind]}${mark.stream}`, mark, mark.lastSeq, expectedSeq);
  }

  async deleteRecordsThrough(stream: string, throughSeq: number): Promise<number> {
    let deleted = 0;
    let startKey: Item | undefined;
    do {
      const out = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: '#stream = :stream AND #seq BETWEEN :first AND :through',
          ExpressionAttributeNames: { '#stream': AUDIT_TABLE.partitionKey, '#seq': AUDIT_TABLE.sortKey },
          ExpressionAttributeValues: { ':stream': { S: stream }, ':first': { N: '1' }, ':through': { N: String(throughSeq) } },
          ProjectionExpression: '#stream, #seq',
          ExclusiveStartKey: startKey,
        }),
      );
      // The projection holds exactly the key attributes.
      const keys = (out.Items ?? []) as Item[];
      for (let i = 0; i < keys.length; i += DELETE_CONCURRENCY) {
        await Promise.all(
          keys.slice(i, i + DELETE_CONCURRENCY).map((Key) => this.options.client.send(new DeleteItemCommand({ TableName: this.options.tableName, Key }))),
        );
      }
      deleted += keys.length;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return deleted;
  }

  /** The distinct streams of one time-index partition whose keys meet `condition`, reading on past 1 MB pages. */
  async #streamsIn(shard: string, condition: string, bound: string, limit: number): Promise<string[]> {
    const streams = new Set<string>();
    let startKey: Item | undefined;
    do {
      const out = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: AUDIT_TIME_INDEX.name,
          KeyConditionExpression: `#shard = :shard AND ${condition}`,
          ExpressionAttributeNames: { '#shard': AUDIT_TIME_INDEX.partitionKey, '#timeKey': AUDIT_TIME_INDEX.sortKey, '#stream': AUDIT_TABLE.partitionKey },
          ExpressionAttributeValues: { ':shard': { S: shard }, ':bound': { S: bound } },
          ProjectionExpression: '#stream',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        const stream = item[AUDIT_TABLE.partitionKey]?.S;
        if (stream !== undefined) streams.add(stream);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && streams.size < limit);
    return [...streams];
  }

  async #get<T>(stream: string): Promise<T | null> {
    const out = await this.options.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: key(stream), ConsistentRead: true }));
    const json = out.Item?.[AUDIT_DIGEST_ITEMS.body]?.S;
    return json === undefined ? null : (JSON.parse(json) as T);
  }

  /** A conditional put: the stored item must still be at `expected` (or absent, for null). */
  async #put(stream: string, body: unknown, at: number, expected: number | null): Promise<void> {
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: { ...key(stream), [AUDIT_DIGEST_ITEMS.body]: { S: JSON.stringify(body) }, [AUDIT_DIGEST_ITEMS.at]: { N: String(at) } },
          ...(expected === null
            ? { ConditionExpression: 'attribute_not_exists(#stream)', ExpressionAttributeNames: { '#stream': AUDIT_TABLE.partitionKey } }
            : {
                ConditionExpression: '#at = :expected',
                ExpressionAttributeNames: { '#at': AUDIT_DIGEST_ITEMS.at },
                ExpressionAttributeValues: { ':expected': { N: String(expected) } },
              }),
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new StaleVersionError(`audit ${stream}`, { cause: err });
      throw err;
    }
  }
}

function key(stream: string): Item {
  return { [AUDIT_TABLE.partitionKey]: { S: stream }, [AUDIT_TABLE.sortKey]: { N: String(AUDIT_DIGEST_ITEMS.seq) } };
}
