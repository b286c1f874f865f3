import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

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
 * The time index over every stream. All records share one `feed` value, so the index is
 * a single partition ordered by time; fine for control-plane volumes (well under 1,000 writes/s).
 */
export const AUDIT_TIME_INDEX = {
  name: 'byTime',
  partitionKey: 'feed',
  sortKey: 'timeKey',
  feedValue: 'audit',
} as const;

/** Non-key attributes of audit items: the record as JSON, and its time for filtering. */
export const AUDIT_ATTRIBUTES = {
  record: 'record',
  time: 'time',
} as const;

/** Sort key of the time index: time, then stream and zero-padded seq so keys never collide. */
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

export function auditTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: AUDIT_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: AUDIT_TABLE.sortKey, AttributeType: 'N' },
      { AttributeName: AUDIT_TIME_INDEX.partitionKey, AttributeType: 'S' },
      { AttributeName: AUDIT_TIME_INDEX.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: AUDIT_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: AUDIT_TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [{
      IndexName: AUDIT_TIME_INDEX.name,
      KeySchema: [
        { AttributeName: AUDIT_TIME_INDEX.partitionKey, KeyType: 'HASH' },
        { AttributeName: AUDIT_TIME_INDEX.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    }],
  };
}
