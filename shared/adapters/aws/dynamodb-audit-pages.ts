import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { AuditRecord } from '#domain/audit.ts';
import { decodeCursor, encodeCursor } from '#domain/cursor.ts';
import { isLookupStream } from '#domain/lookup.ts';
import type { AuditPage, AuditQuery } from '#ports/audit-log.ts';
import { InvalidCursorError } from '#ports/errors.ts';
import { AUDIT_ATTRIBUTES, AUDIT_TABLE, AUDIT_TIME_INDEX, normalizeTime } from './table-design.ts';

type Item = Record<string, AttributeValue>;

/**
 * One index partition ordered by `timeKey`: a shard of the time index, or one stream. With no
 * index, a partition of the table itself (ordered by seq), read whole with time as a filter.
 */
export interface TimeSource {
  index: string | undefined;
  keyName: string;
  keyValue: string;
}

const TIME_KEY = AUDIT_TIME_INDEX.sortKey;
/** `<ISO time, ms, Z>#<stream>#<seq, 12 digits>`, as timeKeyOf writes it. */
const TIME_KEY_SHAPE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)#(.+)#\d{12}$/;

/**
 * The newest `limit` records across the sources, by `timeKey`, below the cursor and within
 * since/until. Each source gives its newest limit+1 in range, so the merged top `limit` is exact,
 * and the next cursor is the last key returned: no record is repeated or skipped across pages,
 * whichever shards the records sit in. Time bounds are key conditions, never filters.
 */
export async function readNewestFirst(client: DynamoDBClient, table: string, scope: string, sources: TimeSource[], query: AuditQuery): Promise<AuditPage> {
  const limit = Number.isFinite(query.limit) ? Math.max(1, Math.floor(query.limit)) : 1;
  const since = query.since === undefined ? undefined : normalizeTime(query.since);
  const until = query.until === undefined ? undefined : normalizeTime(query.until);
  const bound = { scope, since, until };
  const after = query.cursor === undefined ? undefined : decodeListCursor(query.cursor, bound);
  if (since !== undefined && until !== undefined && since > until) return { records: [], nextCursor: null };

  // Every key for time T sorts at or after T and before `T$` ('$' follows '#'), so `${until}$` is
  // an exclusive bound that keeps all of `until`; a cursor is exclusive too, as it was returned.
  const bounds = [after, until === undefined ? undefined : `${until}$`].filter((b): b is string => b !== undefined);
  const below = bounds.length > 0 ? bounds.reduce((a, b) => (a < b ? a : b)) : undefined;
  if (since !== undefined && below !== undefined && below <= since) return { records: [], nextCursor: null };

  const perSource = await Promise.all(sources.map((source) => newestOf(client, table, source, since, below, limit + 1)));
  const merged = perSource.flat().sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  const page = merged.slice(0, limit);
  const last = page[page.length - 1];
  return {
    records: page.map((entry) => entry.record),
    nextCursor: merged.length > limit && last ? encodeCursor(LIST_CURSOR, bound, last.key) : null,
  };
}

interface Keyed {
  key: string;
  record: AuditRecord;
}

/** Up to `want` newest items of one source with since <= timeKey < below, reading on past 1 MB pages. */
async function newestOf(
  client: DynamoDBClient,
  table: string,
  source: TimeSource,
  since: string | undefined,
  below: string | undefined,
  want: number,
): Promise<Keyed[]> {
  if (source.index === undefined) return newestByFilter(client, table, source, since, below, want);
  const range = keyRange(since, below);
  const found: Keyed[] = [];
  let startKey: Item | undefined;
  // A Query page stops at 1 MB whatever its Limit, so a short page is not the end; only a missing
  // LastEvaluatedKey is (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html).
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: table,
        IndexName: source.index,
        KeyConditionExpression: `#source = :source${range.expression}`,
        ExpressionAttributeNames: { '#source': source.keyName, ...range.names },
        ExpressionAttributeValues: { ':source': { S: source.keyValue }, ...range.values },
        ScanIndexForward: false,
        // BETWEEN includes `below`, which only the cursor's own record can equal: read one spare.
        Limit: want - found.length + (range.inclusiveBelow ? 1 : 0),
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) {
      const key = item[TIME_KEY]?.S;
      if (key === undefined || key === below) continue;
      found.push({ key, record: listed(item, key) });
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey && found.length < want);
  return found.slice(0, want);
}

/**
 * The same answer from a table partition when the stream-time index is not there yet: seq order
 * need not be time order (each record's time is its caller's), so read the whole partition with
 * the bounds as a filter and sort. Correct, and as slow as the partition is long.
 */
async function newestByFilter(
  client: DynamoDBClient,
  table: string,
  source: TimeSource,
  since: string | undefined,
  below: string | undefined,
  want: number,
): Promise<Keyed[]> {
  const parts = [since === undefined ? undefined : '#timeKey >= :from', below === undefined ? undefined : '#timeKey < :below'].filter(
    (part): part is string => part !== undefined,
  );
  const found: Keyed[] = [];
  let startKey: Item | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#source = :source',
        ...(parts.length > 0 ? { FilterExpression: parts.join(' AND ') } : {}),
        ExpressionAttributeNames: { '#source': source.keyName, ...(parts.length > 0 ? { '#timeKey': TIME_KEY } : {}) },
        ExpressionAttributeValues: {
          ':source': { S: source.keyValue },
          ...(since === undefined ? {} : { ':from': { S: since } }),
          ...(below === undefined ? {} : { ':below': { S: below } }),
        },
        ScanIndexForward: false,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) {
      const key = item[TIME_KEY]?.S;
      if (key !== undefined) found.push({ key, record: listed(item, key) });
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return found.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0)).slice(0, want);
}

interface KeyRange {
  expression: string;
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
  inclusiveBelow: boolean;
}

/** A key condition on the sort key allows one comparison, or BETWEEN (inclusive at both ends). */
function keyRange(since: string | undefined, below: string | undefined): KeyRange {
  const names = { '#timeKey': TIME_KEY };
  if (since !== undefined && below !== undefined) {
    return { names, expression: ' AND #timeKey BETWEEN :from AND :below', values: { ':from': { S: since }, ':below': { S: below } }, inclusiveBelow: true };
  }
  if (since !== undefined) return { names, expression: ' AND #timeKey >= :from', values: { ':from': { S: since } }, inclusiveBelow: false };
  if (below !== undefined) return { names, expression: ' AND #timeKey < :below', values: { ':below': { S: below } }, inclusiveBelow: false };
  return { names: {}, expression: '', values: {}, inclusiveBelow: false };
}

const LIST_CURSOR = 'audit-list';

/** The scope of a lookup listing: every lookup#<day> stream, and those only. */
export const LOOKUP_SCOPE = 'lookup#*';

/** Whether a listed key's stream belongs to the listing's scope: every change stream, every lookup stream, or one stream. */
function inScope(scope: string, stream: string): boolean {
  if (scope === '*') return !isLookupStream(stream);
  if (scope === LOOKUP_SCOPE) return isLookupStream(stream);
  return stream === scope;
}

/**
 * The last key a page returned, from a cursor bound to the query's scope and time bounds
 * (#domain/cursor.ts); a key that is not a time key of that scope is refused too.
 */
function decodeListCursor(cursor: string, bound: { scope: string; since: string | undefined; until: string | undefined }): string {
  const key = decodeCursor(LIST_CURSOR, bound, cursor);
  const shape = typeof key === 'string' ? TIME_KEY_SHAPE.exec(key) : null;
  const time = shape?.[1];
  const valid =
    shape !== null && time !== undefined && !Number.isNaN(Date.parse(time)) && new Date(time).toISOString() === time && inScope(bound.scope, shape[2] ?? '');
  if (!valid) throw new InvalidCursorError();
  return key as string;
}

/** A stored record, or why it cannot be one: the verifier names such a record instead of failing. */
export function readableRecord(item: Item): AuditRecord | { seq: number; problem: string } {
  const seq = Number(item[AUDIT_TABLE.sortKey]?.N);
  const json = item[AUDIT_ATTRIBUTES.record]?.S;
  if (json === undefined) return { seq, problem: 'the stored item has no record' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { seq, problem: 'the stored record is not valid JSON' };
  }
  const fields = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  if (!fields || typeof fields.seq !== 'number' || typeof fields.hash !== 'string' || typeof fields.prevHash !== 'string') {
    return { seq, problem: 'the stored record is not an audit record' };
  }
  return fields as unknown as AuditRecord;
}

/**
 * A listed item: its record or, when it cannot be read, a stand-in that says so where it sits
 * (stream, seq and time from its time key), so one corrupt record neither fails nor hides the list.
 */
function listed(item: Item, key: string): AuditRecord {
  const read = readableRecord(item);
  if (!('problem' in read)) return read;
  const [, time = '', stream = ''] = /^([^#]+)#(.+)#\d{12}$/.exec(key) ?? [];
  return {
    time,
    actor: 'unknown',
    action: 'audit.unreadable',
    target: `audit/${stream}/${read.seq}`,
    before: null,
    after: null,
    outcome: 'failure',
    reasons: [`${read.problem}: GET /audit/verify reports it as the chain's break`],
    requestId: '',
    stream,
    seq: read.seq,
    prevHash: '',
    hash: '',
  };
}
