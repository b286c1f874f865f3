import {
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { auditStream, chainEntry, type AuditEntry, type AuditRecord } from '#domain/audit.ts';
import { backoffDelay, type BackoffPolicy } from '#domain/retry.ts';
import type { AuditLog, AuditPage, AuditQuery } from '#ports/audit-log.ts';
import { InvalidCursorError, StaleVersionError } from '#ports/errors.ts';
import { isConditionFailure } from './dynamodb-client.ts';
import { AUDIT_ATTRIBUTES, AUDIT_TABLE, AUDIT_TIME_INDEX, auditTimeKey, normalizeTime } from './table-design.ts';

type Item = Record<string, AttributeValue>;

export interface DynamoDbAuditLogOptions {
  client: DynamoDBClient;
  tableName: string;
}

/**
 * Concurrent appenders to one stream each lose at most once per winner, so a burst of N
 * writers needs up to N tries for the last one: allow plenty, with short jittered waits.
 */
const APPEND_BACKOFF: BackoffPolicy = { attempts: 60, baseMs: 5, capMs: 150 };
/** Items read per request when a filter may drop some of them. */
const FILTERED_READ_SIZE = 100;

const BASE_KEYS = [AUDIT_TABLE.partitionKey, AUDIT_TABLE.sortKey];
const INDEX_KEYS = [...BASE_KEYS, AUDIT_TIME_INDEX.partitionKey, AUDIT_TIME_INDEX.sortKey];

/**
 * AuditLog on the audit table: one hash chain per stream, each record stored whole as JSON
 * (so it round-trips exactly and verifyChain holds) beside the keys it is found by.
 */
export class DynamoDbAuditLog implements AuditLog {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(options: DynamoDbAuditLogOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  /** Links the entry after the stream's head; the put only succeeds if that seq is still free. */
  async append(entry: AuditEntry): Promise<AuditRecord> {
    const stream = auditStream(entry.service);
    for (let attempt = 0; attempt < APPEND_BACKOFF.attempts; attempt++) {
      const record = chainEntry(entry, stream, await this.#head(stream));
      const json = JSON.stringify(record);
      try {
        await this.#client.send(new PutItemCommand({
          TableName: this.#table,
          Item: {
            [AUDIT_TABLE.partitionKey]: { S: stream },
            [AUDIT_TABLE.sortKey]: { N: String(record.seq) },
            [AUDIT_TIME_INDEX.partitionKey]: { S: AUDIT_TIME_INDEX.feedValue },
            [AUDIT_TIME_INDEX.sortKey]: { S: auditTimeKey(record.time, stream, record.seq) },
            [AUDIT_ATTRIBUTES.time]: { S: normalizeTime(record.time) },
            [AUDIT_ATTRIBUTES.record]: { S: json },
          },
          ConditionExpression: 'attribute_not_exists(#stream)',
          ExpressionAttributeNames: { '#stream': AUDIT_TABLE.partitionKey },
        }));
        return JSON.parse(json) as AuditRecord;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      await sleep(backoffDelay(APPEND_BACKOFF, attempt, Math.random()));
    }
    throw new StaleVersionError(`audit stream ${stream}`);
  }

  /**
   * Newest first. With a service: that service's stream by seq, filtered on time.
   * Without: every stream through the time index. Cursors are the key of the last record returned.
   */
  async list(query: AuditQuery): Promise<AuditPage> {
    const limit = Number.isFinite(query.limit) ? Math.max(1, Math.floor(query.limit)) : 1;
    const since = query.since === undefined ? undefined : normalizeTime(query.since);
    const until = query.until === undefined ? undefined : normalizeTime(query.until);
    if (since !== undefined && until !== undefined && since > until) return { records: [], nextCursor: null };

    if (query.service !== undefined) {
      const times = timeFilter(since, until);
      return this.#page({
        TableName: this.#table,
        KeyConditionExpression: '#stream = :stream',
        ExpressionAttributeNames: { '#stream': AUDIT_TABLE.partitionKey, ...times.names },
        ExpressionAttributeValues: { ':stream': { S: auditStream(query.service) }, ...times.values },
        ...(times.expression ? { FilterExpression: times.expression } : {}),
        ScanIndexForward: false,
        ConsistentRead: true,
      }, BASE_KEYS, limit, query.cursor, times.expression !== undefined);
    }

    const range = timeKeyRange(since, until);
    return this.#page({
      TableName: this.#table,
      IndexName: AUDIT_TIME_INDEX.name,
      KeyConditionExpression: `#feed = :feed${range.expression}`,
      ExpressionAttributeNames: { '#feed': AUDIT_TIME_INDEX.partitionKey, ...range.names },
      ExpressionAttributeValues: { ':feed': { S: AUDIT_TIME_INDEX.feedValue }, ...range.values },
      ScanIndexForward: false,
    }, INDEX_KEYS, limit, query.cursor, false);
  }

  async readStream(stream: string): Promise<AuditRecord[]> {
    const records: AuditRecord[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.#client.send(new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: '#stream = :stream',
        ExpressionAttributeNames: { '#stream': AUDIT_TABLE.partitionKey },
        ExpressionAttributeValues: { ':stream': { S: stream } },
        ScanIndexForward: true,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }));
      for (const item of out.Items ?? []) records.push(recordFrom(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  async #head(stream: string): Promise<AuditRecord | null> {
    const out = await this.#client.send(new QueryCommand({
      TableName: this.#table,
      KeyConditionExpression: '#stream = :stream',
      ExpressionAttributeNames: { '#stream': AUDIT_TABLE.partitionKey },
      ExpressionAttributeValues: { ':stream': { S: stream } },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }));
    const item = out.Items?.[0];
    return item ? recordFrom(item) : null;
  }

  /**
   * Reads until one record more than the page holds (so the last page is known to be last)
   * or the query runs out. A filter can make any read short, so this loops.
   */
  async #page(input: QueryCommandInput, keyNames: readonly string[], limit: number, cursor: string | undefined, filtered: boolean): Promise<AuditPage> {
    const items: Item[] = [];
    let startKey = cursor === undefined ? undefined : decodeCursor(cursor, keyNames);
    const readSize = filtered ? Math.max(FILTERED_READ_SIZE, limit + 1) : limit + 1;
    do {
      const out = await this.#client.send(new QueryCommand({ ...input, Limit: readSize, ExclusiveStartKey: startKey }));
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length <= limit);

    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    const more = items.length > limit;
    return { records: page.map(recordFrom), nextCursor: more && last ? encodeCursor(last, keyNames) : null };
  }
}

interface ExpressionPart {
  expression: string;
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
}

function timeFilter(since: string | undefined, until: string | undefined): Omit<ExpressionPart, 'expression'> & { expression: string | undefined } {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const parts: string[] = [];
  if (since !== undefined) parts.push('#time >= :since');
  if (until !== undefined) parts.push('#time <= :until');
  if (since !== undefined) values[':since'] = { S: since };
  if (until !== undefined) values[':until'] = { S: until };
  if (parts.length > 0) names['#time'] = AUDIT_ATTRIBUTES.time;
  return { names, values, expression: parts.length > 0 ? parts.join(' AND ') : undefined };
}

/**
 * Time bounds on the index sort key. Keys are `<time>#<stream>#<seq>`, so every key for
 * time T sorts at or after T and before `T$` ('$' follows '#').
 */
function timeKeyRange(since: string | undefined, until: string | undefined): ExpressionPart {
  const names = { '#timeKey': AUDIT_TIME_INDEX.sortKey };
  if (since !== undefined && until !== undefined) {
    return { names, expression: ' AND #timeKey BETWEEN :from AND :to', values: { ':from': { S: since }, ':to': { S: `${until}$` } } };
  }
  if (since !== undefined) return { names, expression: ' AND #timeKey >= :from', values: { ':from': { S: since } } };
  if (until !== undefined) return { names, expression: ' AND #timeKey <= :to', values: { ':to': { S: `${until}$` } } };
  return { names: {}, expression: '', values: {} };
}

function recordFrom(item: Item): AuditRecord {
  const json = item[AUDIT_ATTRIBUTES.record]?.S;
  if (json === undefined) throw new Error(`audit item ${item[AUDIT_TABLE.partitionKey]?.S}/${item[AUDIT_TABLE.sortKey]?.N} has no record`);
  return JSON.parse(json) as AuditRecord;
}

function encodeCursor(item: Item, keyNames: readonly string[]): string {
  const key = Object.fromEntries(keyNames.map((name) => [name, item[name]]));
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string, keyNames: readonly string[]): Item {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (err) {
    throw new InvalidCursorError({ cause: err });
  }
  const valid = typeof key === 'object' && key !== null
    && Object.keys(key).length === keyNames.length
    && keyNames.every((name) => isKeyValue((key as Record<string, unknown>)[name]));
  if (!valid) throw new InvalidCursorError();
  return key as Item;
}

function isKeyValue(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const entries = Object.entries(value);
  return entries.length === 1 && (entries[0]![0] === 'S' || entries[0]![0] === 'N') && typeof entries[0]![1] === 'string';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
