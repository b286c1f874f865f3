import { CreateTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { readAwsConfig } from '#adapters/aws/config.ts';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { type AuditIndexName, auditTableInput, auditTimeKey, normalizeTime } from '#adapters/aws/table-design.ts';
import { type AuditEntry, type AuditRecord, chainEntry } from '#domain/audit.ts';
import type { AuditQuery } from '#ports/audit-log.ts';
import { backfillAuditIndex } from '../../../bin/audit-backfill.ts';
import { useDynalite } from './dynalite-fixture.ts';

const dynalite = useDynalite();
const EVERY_INDEX: AuditIndexName[] = ['byTime', 'byTimeShard', 'byStreamTime'];
let tables = 0;

/** A table with every index, so logs told different sets read the same items by different paths. */
async function upgradeTable(): Promise<string> {
  const name = `audit-upgrade-${++tables}`;
  await dynalite.client.send(new CreateTableCommand(auditTableInput(name, EVERY_INDEX)));
  for (;;) {
    const { Table } = await dynalite.client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE')) return name;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Minute m of 2026-03-01 at 12:00; out of order on purpose, as callers' clocks may be. */
const MINUTES = [5, 1, 9, 3, 7, 2, 11, 0, 8, 4, 10, 6];
function entry(minute: number, service: string | undefined): AuditEntry {
  return {
    time: new Date(Date.UTC(2026, 2, 1, 12, minute)).toISOString(),
    actor: 'user/alice',
    action: 'rule.update',
    target: 'rule/AR-101',
    before: null,
    after: { minute },
    outcome: 'success',
    reasons: [],
    requestId: `r-${minute}`,
    ...(service ? { service } : {}),
  };
}

/** What hms-sys wrote before the sharded index: feed, timeKey and time, no timeShard. */
async function putAsBefore(table: string, record: AuditRecord): Promise<void> {
  await dynalite.client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        stream: { S: record.stream },
        seq: { N: String(record.seq) },
        feed: { S: 'audit' },
        timeKey: { S: auditTimeKey(record.time, record.stream, record.seq) },
        time: { S: normalizeTime(record.time) },
        record: { S: JSON.stringify(record) },
      },
    }),
  );
}

/** Six records written the old way, then six appended by the new code mid-upgrade (byTime still there). */
async function seeded(): Promise<{ table: string; all: AuditRecord[]; legacy: number }> {
  const table = await upgradeTable();
  const owners = ['api', 'web', undefined] as const;
  const heads = new Map<string, AuditRecord>();
  const all: AuditRecord[] = [];
  for (const minute of MINUTES.slice(0, 6)) {
    const service = owners[minute % 3];
    const stream = service ? `service#${service}` : 'system';
    const record = chainEntry(entry(minute, service), stream, heads.get(stream) ?? null);
    heads.set(stream, record);
    await putAsBefore(table, record);
    all.push(record);
  }
  const upgrading = new DynamoDbAuditLog({ client: dynalite.client, tableName: table, indexes: ['byTime', 'byTimeShard'] });
  for (const minute of MINUTES.slice(6)) all.push(await upgrading.append(entry(minute, owners[minute % 3])));
  return { table, all, legacy: 6 };
}

async function everyPage(log: DynamoDbAuditLog, query: Omit<AuditQuery, 'limit' | 'cursor'>): Promise<AuditRecord[][]> {
  const pages: AuditRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await log.list({ ...query, limit: 2, ...(cursor ? { cursor } : {}) });
    pages.push(page.records);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return pages;
}

const newestFirst = (records: AuditRecord[]) => [...records].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
const QUERIES: Omit<AuditQuery, 'limit' | 'cursor'>[] = [
  {},
  { since: '2026-03-01T12:02:00Z', until: '2026-03-01T12:08:00Z' },
  { service: 'api' },
  { service: 'web', since: '2026-03-01T12:03:00Z', until: '2026-03-01T12:10:00Z' },
  { service: 'api', until: '2026-03-01T12:06:00Z' },
];

describe('audit reads while a stack upgrades its indexes', () => {
  it('without the new indexes, reads byTime and the table partition and pages exactly as the new indexes do after the backfill', async () => {
    const { table, all, legacy } = await seeded();
    const fallback = new DynamoDbAuditLog({ client: dynalite.client, tableName: table, indexes: ['byTime'] });
    const withoutStreamTime = new DynamoDbAuditLog({ client: dynalite.client, tableName: table, indexes: ['byTime', 'byTimeShard'] });
    const before = await Promise.all(QUERIES.map((query) => everyPage(fallback, query)));

    // Every record, old and new, through the fallbacks, newest first by time, not by seq.
    expect(before[0]!.flat()).toEqual(newestFirst(all));
    expect(before[2]!.flat()).toEqual(newestFirst(all.filter((r) => r.service === 'api')));
    expect(before[3]!.flat().map((r) => r.time)).toEqual(
      newestFirst(all.filter((r) => r.service === 'web'))
        .map((r) => r.time)
        .filter((t) => t >= '2026-03-01T12:03:00.000Z' && t <= '2026-03-01T12:10:00.000Z'),
    );

    expect(await backfillAuditIndex({ client: dynalite.client, tableName: table, pageSize: 4 })).toEqual({ found: legacy, updated: legacy, skipped: 0 });
    const final = new DynamoDbAuditLog({ client: dynalite.client, tableName: table });
    for (const [i, query] of QUERIES.entries()) {
      expect(await everyPage(final, query)).toEqual(before[i]);
      expect(await everyPage(withoutStreamTime, query)).toEqual(before[i]);
    }
  });

  it('before the backfill, byTimeShard lists only records the new code wrote; the backfill is repeatable and leaves checkpoints alone', async () => {
    const { table, all, legacy } = await seeded();
    const final = new DynamoDbAuditLog({ client: dynalite.client, tableName: table });
    await final.saveCheckpoint({ stream: 'service#api', seq: 1, hash: 'h', verifiedAt: '2026-03-01T13:00:00.000Z' }, null);
    expect((await everyPage(final, {})).flat()).toHaveLength(all.length - legacy);

    expect((await backfillAuditIndex({ client: dynalite.client, tableName: table })).updated).toBe(legacy);
    expect(await backfillAuditIndex({ client: dynalite.client, tableName: table })).toEqual({ found: 0, updated: 0, skipped: 0 });
    expect((await everyPage(final, {})).flat()).toEqual(newestFirst(all));
    const checkpoint = await dynalite.client.send(new GetItemCommand({ TableName: table, Key: { stream: { S: 'checkpoint#service#api' }, seq: { N: '0' } } }));
    expect(checkpoint.Item?.checkpoint).toBeDefined();
    expect(checkpoint.Item?.timeShard).toBeUndefined();
  });

  it('appends set feed only while byTime is in the set, and always the new index keys', async () => {
    const table = await upgradeTable();
    const read = (seq: number) =>
      dynalite.client.send(new GetItemCommand({ TableName: table, Key: { stream: { S: 'service#api' }, seq: { N: String(seq) } } }));
    await new DynamoDbAuditLog({ client: dynalite.client, tableName: table, indexes: ['byTime'] }).append(entry(0, 'api'));
    await new DynamoDbAuditLog({ client: dynalite.client, tableName: table }).append(entry(1, 'api'));
    const [first, second] = [(await read(1)).Item!, (await read(2)).Item!];
    expect(first).toMatchObject({ feed: { S: 'audit' }, timeShard: { S: expect.stringMatching(/^audit#\d$/) }, timeKey: expect.anything() });
    expect(second.feed).toBeUndefined();
    expect(second.timeShard).toEqual(first.timeShard);
  });

  it('keeps lookups in partitions of their own in byTime as in byTimeShard, so each listing reads its own kind', async () => {
    const table = await upgradeTable();
    const lookup: AuditEntry = { ...entry(2, undefined), kind: 'lookup', action: 'lookup.listServices', target: '/services', after: null };
    for (const indexes of [['byTime'], ['byTime', 'byTimeShard']] as AuditIndexName[][]) {
      const log = new DynamoDbAuditLog({ client: dynalite.client, tableName: table, indexes });
      await log.append(entry(1, 'api'));
      await log.append(lookup);
    }
    const read = (stream: string) => dynalite.client.send(new GetItemCommand({ TableName: table, Key: { stream: { S: stream }, seq: { N: '1' } } }));
    expect((await read('lookup#2026-03-01')).Item).toMatchObject({ feed: { S: 'lookup' }, timeShard: { S: expect.stringMatching(/^lookup#\d$/) } });
    for (const indexes of [['byTime'], ['byTimeShard']] as AuditIndexName[][]) {
      const log = new DynamoDbAuditLog({ client: dynalite.client, tableName: table, indexes });
      expect((await everyPage(log, {})).flat().map((r) => r.stream)).toEqual(['service#api', 'service#api']);
      expect((await everyPage(log, { kind: 'lookup' })).flat().map((r) => `${r.stream}/${r.seq}`)).toEqual(['lookup#2026-03-01/2', 'lookup#2026-03-01/1']);
    }
  });
});

describe('HMS_AUDIT_INDEXES', () => {
  const env = { AWS_REGION: 'us-east-1', STATE_TABLE: 's', AUDIT_TABLE: 'a', HMS_CLUSTERS: 'c', HMS_ACTOR: 'role/x' };
  it("defaults to today's indexes, reads an upgrade step, and refuses a set that cannot list every stream", () => {
    expect(readAwsConfig(env).auditIndexes).toEqual(['byTimeShard', 'byStreamTime']);
    expect(readAwsConfig({ ...env, HMS_AUDIT_INDEXES: 'byTime,byTimeShard' }).auditIndexes).toEqual(['byTime', 'byTimeShard']);
    expect(Object.isFrozen(readAwsConfig({ ...env, HMS_AUDIT_INDEXES: 'byTime' }).auditIndexes)).toBe(true);
    expect(() => readAwsConfig({ ...env, HMS_AUDIT_INDEXES: 'byStreamTime' })).toThrow(/HMS_AUDIT_INDEXES.*byTime or byTimeShard/);
    expect(() => readAwsConfig({ ...env, HMS_AUDIT_INDEXES: 'byTimeShards' })).toThrow(/unknown audit index "byTimeShards"/);
  });
});
