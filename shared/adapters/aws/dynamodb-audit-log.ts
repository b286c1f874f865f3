import { type AttributeValue, type DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { type AuditEntry, type AuditRecord, auditStream, chainEntry, streamOf } from '#domain/audit.ts';
import { isLookupStream } from '#domain/lookup.ts';
import { type BackoffPolicy, backoffDelay } from '#domain/retry.ts';
import type { AppendOptions, AuditChainPage, AuditCheckpoint, AuditLog, AuditPage, AuditQuery } from '#ports/audit-log.ts';
import { StaleVersionError } from '#ports/errors.ts';
import { LOOKUP_SCOPE, readableRecord, readNewestFirst, type TimeSource } from './dynamodb-audit-pages.ts';
import { isConditionFailure } from './dynamodb-client.ts';
import {
  AUDIT_ATTRIBUTES,
  AUDIT_CHECKPOINT,
  AUDIT_LEGACY_TIME_INDEX,
  AUDIT_STREAM_TIME_INDEX,
  AUDIT_TABLE,
  AUDIT_TIME_INDEX,
  AUDIT_TIME_SHARDS,
  type AuditIndexName,
  auditTimeKey,
  auditTimeShard,
  DEFAULT_AUDIT_INDEX_NAMES,
  LOOKUP_LEGACY_FEED,
  LOOKUP_TIME_SHARDS,
} from './table-design.ts';

type Item = Record<string, AttributeValue>;

export interface DynamoDbAuditLogOptions {
  client: DynamoDBClient;
  tableName: string;
  /** The indexes the table has (HMS_AUDIT_INDEXES); today's set when left out. Reads fall back without them. */
  indexes?: readonly AuditIndexName[];
}

/**
 * Concurrent appenders to one stream each lose at most once per winner, so a burst of N
 * writers needs up to N tries for the last one: allow plenty, with short jittered waits.
 */
const APPEND_BACKOFF: BackoffPolicy = { attempts: 60, baseMs: 5, capMs: 150 };

/**
 * AuditLog on the audit table: one hash chain per stream, each record stored whole as JSON
 * (so it round-trips exactly and verifyChain holds) beside the keys it is found by.
 */
export class DynamoDbAuditLog implements AuditLog {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #indexes: ReadonlySet<AuditIndexName>;

  constructor(options: DynamoDbAuditLogOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#indexes = new Set(options.indexes ?? DEFAULT_AUDIT_INDEX_NAMES);
  }

  /**
   * Links the entry after the stream's head; the put only succeeds if that seq is still free. An
   * entry with an intent is not appended twice: the head is checked, or with `afterSeq` every record
   * from there on, read consistently from the table (the time index cannot be read so:
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html).
   * A lost race re-reads from the head it tried to follow, so each record is read once.
   */
  async append(entry: AuditEntry, options: AppendOptions = {}): Promise<AuditRecord> {
    const stream = streamOf(entry);
    let from = entry.intent === undefined ? undefined : options.afterSeq;
    for (let attempt = 0; attempt < APPEND_BACKOFF.attempts; attempt++) {
      let head: AuditRecord | null;
      if (from === undefined) {
        head = await this.#head(stream);
        if (entry.intent !== undefined && head?.intent === entry.intent) return head;
      } else {
        const seen = await this.#recordsFrom(stream, from, entry.intent as string);
        if (seen.match) return seen.match;
        head = seen.last ?? (await this.#head(stream));
        if (head) from = head.seq;
      }
      const record = chainEntry(entry, stream, head);
      const json = JSON.stringify(record);
      try {
        await this.#client.send(
          new PutItemCommand({
            TableName: this.#table,
            Item: auditItem(record, json, this.#indexes.has(AUDIT_LEGACY_TIME_INDEX.name)),
            ConditionExpression: 'attribute_not_exists(#stream)',
            ExpressionAttributeNames: { '#stream': AUDIT_TABLE.partitionKey },
          }),
        );
        return JSON.parse(json) as AuditRecord;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      await sleep(backoffDelay(APPEND_BACKOFF, attempt, Math.random()));
    }
    throw new StaleVersionError(`audit stream ${stream}`);
  }

  /**
   * Newest first, by time. With a service: that stream's partition of the stream-time index.
   * Without: every shard of the sharded time index, merged. since/until are key conditions.
   * Mid-upgrade (README, Audit), without byStreamTime a service's partition of the table is read
   * whole and filtered on time, and without byTimeShard the legacy byTime index serves the listing.
   */
  list(query: AuditQuery): Promise<AuditPage> {
    if (query.kind === 'lookup') return this.#listLookups(query);
    if (query.service !== undefined) {
      const stream = auditStream(query.service);
      const source: TimeSource = this.#indexes.has(AUDIT_STREAM_TIME_INDEX.name)
        ? { index: AUDIT_STREAM_TIME_INDEX.name, keyName: AUDIT_STREAM_TIME_INDEX.partitionKey, keyValue: stream }
        : { index: undefined, keyName: AUDIT_TABLE.partitionKey, keyValue: stream };
      return readNewestFirst(this.#client, this.#table, stream, [source], query);
    }
    const sources: TimeSource[] = this.#indexes.has(AUDIT_TIME_INDEX.name)
      ? AUDIT_TIME_SHARDS.map((shard) => ({ index: AUDIT_TIME_INDEX.name, keyName: AUDIT_TIME_INDEX.partitionKey, keyValue: shard }))
      : [{ index: AUDIT_LEGACY_TIME_INDEX.name, keyName: AUDIT_LEGACY_TIME_INDEX.partitionKey, keyValue: AUDIT_LEGACY_TIME_INDEX.feedValue }];
    return readNewestFirst(this.#client, this.#table, '*', sources, query);
  }

  /** Lookups, newest first: the lookup shards of the time index (or the legacy index's lookup partition). */
  async #listLookups(query: AuditQuery): Promise<AuditPage> {
    if (query.service !== undefined) throw new Error('a lookup listing has no service: lookups chain by day, not by service');
    const sources: TimeSource[] = this.#indexes.has(AUDIT_TIME_INDEX.name)
      ? LOOKUP_TIME_SHARDS.map((shard) => ({ index: AUDIT_TIME_INDEX.name, keyName: AUDIT_TIME_INDEX.partitionKey, keyValue: shard }))
      : [{ index: AUDIT_LEGACY_TIME_INDEX.name, keyName: AUDIT_LEGACY_TIME_INDEX.partitionKey, keyValue: LOOKUP_LEGACY_FEED }];
    return readNewestFirst(this.#client, this.#table, LOOKUP_SCOPE, sources, query);
  }

  async readChain(stream: string, afterSeq: number, limit: number): Promise<AuditChainPage> {
    const records: AuditRecord[] = [];
    let startKey: Item | undefined;
    // Query stops at 1 MB a page, so a page may hold fewer than Limit items; read on to `limit`
    // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html).
    do {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: '#stream = :stream AND #seq > :after',
          ExpressionAttributeNames: { '#stream': AUDIT_TABLE.partitionKey, '#seq': AUDIT_TABLE.sortKey },
          ExpressionAttributeValues: { ':stream': { S: stream }, ':after': { N: String(afterSeq) } },
          ScanIndexForward: true,
          ConsistentRead: true,
          Limit: limit + 1 - records.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        const read = readableRecord(item);
        if ('problem' in read)
          return { records: records.slice(0, limit), more: records.length >= limit, ...(records.length < limit ? { unreadable: read } : {}) };
        records.push(read);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && records.length <= limit);
    return { records: records.slice(0, limit), more: records.length > limit };
  }

  async getCheckpoint(stream: string): Promise<AuditCheckpoint | null> {
    const out = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: checkpointKey(stream),
        ConsistentRead: true,
      }),
    );
    const json = out.Item?.[AUDIT_ATTRIBUTES.checkpoint]?.S;
    return json === undefined ? null : (JSON.parse(json) as AuditCheckpoint);
  }

  /** A conditional put: the stored checkpoint must still be at `expectedSeq` (or absent, for null). */
  async saveCheckpoint(checkpoint: AuditCheckpoint, expectedSeq: number | null): Promise<void> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            ...checkpointKey(checkpoint.stream),
            [AUDIT_ATTRIBUTES.checkpoint]: { S: JSON.stringify(checkpoint) },
            [AUDIT_ATTRIBUTES.checkpointSeq]: { N: String(checkpoint.seq) },
          },
          ...(expectedSeq === null
            ? { ConditionExpression: 'attribute_not_exists(#stream)', ExpressionAttributeNames: { '#stream': AUDIT_TABLE.partitionKey } }
            : {
                ConditionExpression: '#at = :expected',
                ExpressionAttributeNames: { '#at': AUDIT_ATTRIBUTES.checkpointSeq },
                ExpressionAttributeValues: { ':expected': { N: String(expectedSeq) } },
              }),
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new StaleVersionError(`audit checkpoint ${checkpoint.stream}`, { cause: err });
      throw err;
    }
  }

  async lastSeq(stream: string): Promise<number> {
    return (await this.#head(stream))?.seq ?? 0;
  }

  /** The stream's records from seq `from` on, read consistently: the one carrying `intent` if any, and the newest. */
  async #recordsFrom(stream: string, from: number, intent: string): Promise<{ match?: AuditRecord; last: AuditRecord | null }> {
    let last: AuditRecord | null = null;
    let startKey: Item | undefined;
    do {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: '#stream = :stream AND #seq >= :from',
          ExpressionAttributeNames: { '#stream': AUDIT_TABLE.partitionKey, '#seq': AUDIT_TABLE.sortKey },
          ExpressionAttributeValues: { ':stream': { S: stream }, ':from': { N: String(from) } },
          ScanIndexForward: true,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        last = recordFrom(item);
        if (last.intent === intent) return { match: last, last };
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return { last };
  }

  async #head(stream: string): Promise<AuditRecord | null> {
    const out = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: '#stream = :stream',
        ExpressionAttributeNames: { '#stream': AUDIT_TABLE.partitionKey },
        ExpressionAttributeValues: { ':stream': { S: stream } },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0];
    return item ? recordFrom(item) : null;
  }
}

/**
 * The stored item of a record: its chain keys, both time-index keys, and the record as JSON; with
 * `legacyFeed`, also the key of the old byTime index, while a stack upgrading in steps still has it.
 */
export function auditItem(record: AuditRecord, json = JSON.stringify(record), legacyFeed = false): Item {
  return {
    [AUDIT_TABLE.partitionKey]: { S: record.stream },
    [AUDIT_TABLE.sortKey]: { N: String(record.seq) },
    [AUDIT_TIME_INDEX.partitionKey]: { S: auditTimeShard(record.stream) },
    [AUDIT_TIME_INDEX.sortKey]: { S: auditTimeKey(record.time, record.stream, record.seq) },
    ...(legacyFeed
      ? { [AUDIT_LEGACY_TIME_INDEX.partitionKey]: { S: isLookupStream(record.stream) ? LOOKUP_LEGACY_FEED : AUDIT_LEGACY_TIME_INDEX.feedValue } }
      : {}),
    [AUDIT_ATTRIBUTES.record]: { S: json },
  };
}

function checkpointKey(stream: string): Item {
  return {
    [AUDIT_TABLE.partitionKey]: { S: `${AUDIT_CHECKPOINT.streamPrefix}${stream}` },
    [AUDIT_TABLE.sortKey]: { N: String(AUDIT_CHECKPOINT.seq) },
  };
}

export function recordFrom(item: Item): AuditRecord {
  const json = item[AUDIT_ATTRIBUTES.record]?.S;
  if (json === undefined) throw new Error(`audit item ${item[AUDIT_TABLE.partitionKey]?.S}/${item[AUDIT_TABLE.sortKey]?.N} has no record`);
  return JSON.parse(json) as AuditRecord;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
