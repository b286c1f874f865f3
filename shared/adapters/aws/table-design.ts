import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { isLookupStream } from '#domain/lookup.ts';

/**
 * The two DynamoDB tables, as plain data shared by the adapters, the CDK stack and the
 * sandbox (which creates them in dynalite). Change a name here and every side follows.
 */

/** State table: every control-plane entity under one partition per kind. */
export const STATE_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB TTL deletes processed-event items after this. */
  ttlAttribute: 'expiresAt',
} as const;

/** The `pk` value for each kind of item; `sk` is the entity's own id. */
export const STATE_PARTITIONS = {
  service: 'service',
  rule: 'rule',
  counter: 'counter',
  scaling: 'scaling',
  event: 'event',
  budget: 'budget',
  /** Sort key `<YYYY-MM>#<service>`, so one query reads a month. */
  usage: 'usage',
  burst: 'burst',
  /** One item per service that has a burst under way; sort key is the service. */
  activeBurst: 'burst-active',
  /** The mesh registry, TrafficPolicies, pauses and open breakers (MeshStore); sort key is the service's or policy's name. */
  meshService: 'mesh-service',
  meshPolicy: 'mesh-policy',
  meshPause: 'mesh-pause',
  meshBreaker: 'mesh-breaker',
} as const;

/** Non-key attributes of state items. Entities keep their JSON in `body`, their version beside it. */
export const STATE_ATTRIBUTES = {
  version: 'version',
  body: 'body',
  counterValue: 'n',
  status: 'status',
  /** Epoch milliseconds until which an in-progress claim belongs to its holder. */
  leaseUntil: 'leaseUntil',
  /** The token of the invocation holding an in-progress claim. */
  owner: 'owner',
  result: 'result',
  /** Set on a service item while a delete of it is under way: rule creation and service updates refuse. */
  deleting: 'deleting',
} as const;

/** The rule-number counter item; the first number handed out is start + 1 = 101. */
export const RULE_COUNTER = { sk: 'rule', start: 100 } as const;

/** The burst-number counter item; the first number handed out is 1. */
export const BURST_COUNTER = { sk: 'burst', start: 0 } as const;

/** How long a finished burst stays readable. */
export const BURST_RETENTION_SECONDS = 90 * 24 * 60 * 60;

/** How long a processed event is remembered for de-duplication. */
export const EVENT_RETENTION_SECONDS = 7 * 24 * 60 * 60;

/** Audit table: one partition per stream, records ordered by their sequence number. */
export const AUDIT_TABLE = {
  partitionKey: 'stream',
  sortKey: 'seq',
} as const;

/**
 * The time index over every stream, sharded: each record's `timeShard` is `audit#<bucket>`, the
 * bucket a hash of its stream, so appends spread over `shards` index partitions instead of one.
 * Each partition of a table or GSI takes at most 1,000 write units a second, whatever the table's
 * total (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/throttling-key-range-limit-exceeded-mitigation.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html).
 * A stream's appends are serialized by its hash chain, so one stream alone cannot heat a shard.
 * No day in the key: today's writes would still all land in today's shards, and a newest-first
 * read without `since` would have to walk back through empty days.
 */
export const AUDIT_TIME_INDEX = {
  name: 'byTimeShard',
  partitionKey: 'timeShard',
  sortKey: 'timeKey',
  shards: 8,
} as const;

/** One stream's records by time, so `?service=&since=&until=` is a key range, not a filter. */
export const AUDIT_STREAM_TIME_INDEX = {
  name: 'byStreamTime',
  partitionKey: AUDIT_TABLE.partitionKey,
  sortKey: AUDIT_TIME_INDEX.sortKey,
} as const;

/**
 * The single-partition time index that byTimeShard replaced. A stack deployed before the change
 * keeps it until the last upgrade step (README, Audit); while it is selected, appends also set `feed`.
 */
export const AUDIT_LEGACY_TIME_INDEX = {
  name: 'byTime',
  partitionKey: 'feed',
  sortKey: AUDIT_TIME_INDEX.sortKey,
  feedValue: 'audit',
} as const;

/** Every index of the audit table as built today; the default of hms:auditIndexes and the sandbox's set. */
export const AUDIT_INDEXES = [AUDIT_TIME_INDEX, AUDIT_STREAM_TIME_INDEX] as const;

/** Every index a deployed audit table may have: today's, and the legacy one during an upgrade. */
const KNOWN_AUDIT_INDEXES = [AUDIT_LEGACY_TIME_INDEX, AUDIT_TIME_INDEX, AUDIT_STREAM_TIME_INDEX] as const;
export type AuditIndex = (typeof KNOWN_AUDIT_INDEXES)[number];
export type AuditIndexName = AuditIndex['name'];
export const DEFAULT_AUDIT_INDEX_NAMES: readonly AuditIndexName[] = AUDIT_INDEXES.map((index) => index.name);

/**
 * Reads a selection of audit indexes (hms:auditIndexes, HMS_AUDIT_INDEXES): a comma-separated string
 * or a list of known names, at least one of which can list every stream (byTime or byTimeShard).
 * Returns the names in a fixed order, or throws with a message naming what is wrong.
 */
export function parseAuditIndexNames(value: unknown): readonly AuditIndexName[] {
  const items = typeof value === 'string' ? value.split(',') : value;
  const known = KNOWN_AUDIT_INDEXES.map((index) => index.name as string);
  if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
    throw new Error(`expected a comma-separated list of ${known.join(', ')}, got ${JSON.stringify(value)}`);
  }
  const names = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`unknown audit index ${unknown.map((n) => JSON.stringify(n)).join(', ')}; the indexes are ${known.join(', ')}`);
  if (new Set(names).size !== names.length) throw new Error(`an audit index is listed twice in ${JSON.stringify(value)}`);
  if (!names.includes(AUDIT_LEGACY_TIME_INDEX.name) && !names.includes(AUDIT_TIME_INDEX.name)) {
    throw new Error(`the audit table needs ${AUDIT_LEGACY_TIME_INDEX.name} or ${AUDIT_TIME_INDEX.name} to list every stream, got ${JSON.stringify(value)}`);
  }
  return Object.freeze(KNOWN_AUDIT_INDEXES.map((index) => index.name).filter((name) => names.includes(name)));
}

/** The index definitions of a selection, in the fixed order. */
export function auditIndexesNamed(names: readonly AuditIndexName[]): AuditIndex[] {
  return KNOWN_AUDIT_INDEXES.filter((index) => names.includes(index.name));
}

/** Non-key attributes of audit items: the record as JSON; on a checkpoint item, the checkpoint. */
export const AUDIT_ATTRIBUTES = {
  record: 'record',
  checkpoint: 'checkpoint',
  /** The checkpoint's seq as a number, for the condition on the next save. */
  checkpointSeq: 'checkpointSeq',
} as const;

/**
 * Verification checkpoints live beside the chains: stream `checkpoint#<stream>`, seq 0. They carry
 * no `timeShard` or `timeKey`, so neither index holds them.
 */
export const AUDIT_CHECKPOINT = { streamPrefix: 'checkpoint#', seq: 0 } as const;

/**
 * The time-index shard of a stream: FNV-1a of its name, modulo the shard count, under `audit#` for
 * a change stream and `lookup#` for a lookup stream (lookup#YYYY-MM-DD). Lookups so sit in index
 * partitions of their own: the change listing never reads (nor filters out) a single lookup.
 */
export function auditTimeShard(stream: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < stream.length; i++) hash = Math.imul(hash ^ stream.charCodeAt(i), 0x01000193) >>> 0;
  return `${isLookupStream(stream) ? 'lookup' : 'audit'}#${hash % AUDIT_TIME_INDEX.shards}`;
}

export const AUDIT_TIME_SHARDS: readonly string[] = Array.from({ length: AUDIT_TIME_INDEX.shards }, (_, i) => `audit#${i}`);
export const LOOKUP_TIME_SHARDS: readonly string[] = Array.from({ length: AUDIT_TIME_INDEX.shards }, (_, i) => `lookup#${i}`);

/** The legacy byTime index's partition for lookups, beside `feedValue` for changes, for the same reason. */
export const LOOKUP_LEGACY_FEED = 'lookup';

/** Sort key of both time indexes: time, then stream and zero-padded seq so keys never collide. */
export function auditTimeKey(time: string, stream: string, seq: number): string {
  return `${normalizeTime(time)}#${stream}#${String(seq).padStart(12, '0')}`;
}

/** ISO time in one fixed format (milliseconds, Z) so string order is time order; other text as is. */
export function normalizeTime(time: string): string {
  const parsed = new Date(time);
  return Number.isNaN(parsed.getTime()) ? time : parsed.toISOString();
}

export function stateTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: STATE_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: STATE_TABLE.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: STATE_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: STATE_TABLE.sortKey, KeyType: 'RANGE' },
    ],
  };
}

export function auditTableInput(tableName: string, indexNames: readonly AuditIndexName[] = DEFAULT_AUDIT_INDEX_NAMES): CreateTableCommandInput {
  const indexes = auditIndexesNamed(indexNames);
  const keyNames = [...new Set(indexes.flatMap((index) => [index.partitionKey, index.sortKey]))].filter((name) => name !== AUDIT_TABLE.partitionKey);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: AUDIT_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: AUDIT_TABLE.sortKey, AttributeType: 'N' },
      ...keyNames.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    ],
    KeySchema: [
      { AttributeName: AUDIT_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: AUDIT_TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}
