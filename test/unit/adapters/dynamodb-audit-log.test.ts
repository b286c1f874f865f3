import { CreateTableCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { verifyChain, type AuditEntry } from '#domain/audit.ts';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { auditTableInput, auditTimeShard } from '#adapters/aws/table-design.ts';
import { ensureTables } from '#adapters/local/dynalite-server.ts';
import { InvalidCursorError, StaleVersionError } from '#ports/errors.ts';
import { useDynalite } from './dynalite-fixture.ts';

const dynalite = useDynalite();

/** A whole stream, oldest first, through the paged chain reads. */
async function readAll(log: DynamoDbAuditLog, stream: string) {
  const records = [];
  for (let page = await log.readChain(stream, 0, 7); ; page = await log.readChain(stream, records.at(-1)!.seq, 7)) {
    records.push(...page.records);
    if (!page.more) return records;
  }
}

async function freshLog(): Promise<{ log: DynamoDbAuditLog; tableName: string }> {
  const names = await dynalite.freshTables();
  return { log: new DynamoDbAuditLog({ client: dynalite.client, tableName: names.audit }), tableName: names.audit };
}

function entry(minute: number, service?: string, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    time: new Date(Date.UTC(2026, 2, 1, 12, minute)).toISOString(),
    actor: 'user/alice', action: 'rule.update', target: 'rule/AR-101',
    before: { replicas: 2, nested: { list: [1, null, 'x'] } }, after: { replicas: 3 },
    outcome: 'success', reasons: [`minute ${minute}`], requestId: `req-${minute}`,
    ...(service ? { service, tags: { agency: 'DOT' } } : {}),
    ...extra,
  };
}

describe('DynamoDbAuditLog append', () => {
  it('serializes 30 concurrent appends into seq 1..30 with an intact chain', async () => {
    const { log } = await freshLog();
    const appended = await Promise.all(Array.from({ length: 30 }, (_, i) => log.append(entry(i, 'api'))));

    const stream = await readAll(log, 'service#api');
    expect(stream.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(verifyChain(stream)).toBeNull();
    expect(new Set(appended.map((r) => r.seq)).size).toBe(30);
  });

  it('stores records that round-trip exactly, undefined fields and all', async () => {
    const { log } = await freshLog();
    const record = await log.append(entry(0, undefined, { before: undefined, after: { a: [undefined, 1] } }));
    const [stored] = await readAll(log, 'system');
    expect(stored).toEqual(record);
    expect(stored?.stream).toBe('system');
    expect(verifyChain([stored!])).toBeNull();
  });

  it('lets verifyChain find a record changed in the table', async () => {
    const { log, tableName } = await freshLog();
    for (let i = 0; i < 3; i++) await log.append(entry(i, 'api'));
    const [, second] = await readAll(log, 'service#api');
    await dynalite.client.send(new UpdateItemCommand({
      TableName: tableName,
      Key: { stream: { S: 'service#api' }, seq: { N: '2' } },
      UpdateExpression: 'SET #record = :record',
      ExpressionAttributeNames: { '#record': 'record' },
      ExpressionAttributeValues: { ':record': { S: JSON.stringify({ ...second, outcome: 'failure' }) } },
    }));

    expect(verifyChain(await readAll(log, 'service#api'))).toEqual({ seq: 2, problem: 'hash does not match the record' });
  });
});

describe('DynamoDbAuditLog list', () => {
  async function seeded() {
    const { log } = await freshLog();
    // 12 records over minutes 0..11, alternating between two services and the system stream.
    const owners = ['api', 'web', undefined] as const;
    for (let minute = 0; minute < 12; minute++) await log.append(entry(minute, owners[minute % 3]));
    return log;
  }

  async function everyPage(log: DynamoDbAuditLog, query: Omit<Parameters<DynamoDbAuditLog['list']>[0], 'cursor'>) {
    const pages = [];
    let cursor: string | undefined;
    do {
      const page = await log.list({ ...query, ...(cursor ? { cursor } : {}) });
      pages.push(page.records);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return pages;
  }

  it('pages through every record once, newest first', async () => {
    const log = await seeded();
    const pages = await everyPage(log, { limit: 5 });

    expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
    const minutes = pages.flat().map((r) => r.reasons[0]);
    expect(minutes).toEqual(Array.from({ length: 12 }, (_, i) => `minute ${11 - i}`));
  });

  it('gives no cursor when the page holds the last record', async () => {
    const log = await seeded();
    const page = await log.list({ limit: 12 });
    expect(page.records).toHaveLength(12);
    expect(page.nextCursor).toBeNull();
  });

  it('keeps to one service stream, newest first, across pages', async () => {
    const log = await seeded();
    const pages = await everyPage(log, { service: 'api', limit: 3 });
    expect(pages.map((p) => p.length)).toEqual([3, 1]);
    expect(pages.flat().map((r) => r.reasons[0])).toEqual(['minute 9', 'minute 6', 'minute 3', 'minute 0']);
    expect(pages.flat().every((r) => r.service === 'api')).toBe(true);
  });

  it('applies since and until inclusively, with and without a service', async () => {
    const log = await seeded();
    const since = new Date(Date.UTC(2026, 2, 1, 12, 3)).toISOString();
    const until = '2026-03-01T12:07:00Z';

    const all = (await everyPage(log, { since, until, limit: 2 })).flat();
    expect(all.map((r) => r.reasons[0])).toEqual(['minute 7', 'minute 6', 'minute 5', 'minute 4', 'minute 3']);

    const web = (await everyPage(log, { service: 'web', since, until, limit: 1 })).flat();
    expect(web.map((r) => r.reasons[0])).toEqual(['minute 7', 'minute 4']);

    const onlySince = (await everyPage(log, { since: '2026-03-01T12:10:00.000Z', limit: 10 })).flat();
    expect(onlySince.map((r) => r.reasons[0])).toEqual(['minute 11', 'minute 10']);
  });

  it('returns nothing when since is after until', async () => {
    const log = await seeded();
    const page = await log.list({ since: '2026-03-01T13:00:00Z', until: '2026-03-01T12:00:00Z', limit: 5 });
    expect(page).toEqual({ records: [], nextCursor: null });
  });

  it('rejects a cursor from a different kind of query', async () => {
    const log = await seeded();
    const { nextCursor } = await log.list({ limit: 2 });
    expect(nextCursor).not.toBeNull();
    await expect(log.list({ service: 'api', limit: 2, cursor: nextCursor! })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(log.list({ limit: 2, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

describe('DynamoDbAuditLog over the sharded time index', () => {
  // 11 streams over 5 days, appended out of time order across streams, so pages mix shards and days.
  const services = ['api', 'web', 'billing', 'search', 'auth', 'cart', 'media', 'mail', 'jobs', 'geo', undefined] as const;
  async function seededDays() {
    const { log } = await freshLog();
    const appended = [];
    for (let i = 0; i < 132; i++) {
      const service = services[i % services.length];
      const day = (i * 7) % 5;
      const time = new Date(Date.UTC(2026, 2, 1 + day, (i * 5) % 24, i % 60)).toISOString();
      appended.push(await log.append(entry(0, service, { time, reasons: [`record ${i}`] })));
    }
    return { log, appended };
  }
  const newestFirst = (a: { time: string; stream: string; seq: number }, b: typeof a) =>
    a.time !== b.time ? (a.time < b.time ? 1 : -1) : a.stream !== b.stream ? (a.stream < b.stream ? 1 : -1) : b.seq - a.seq;

  it('spreads streams over several shards', () => {
    const shards = new Set(services.map((s) => auditTimeShard(s ? `service#${s}` : 'system')));
    expect(shards.size).toBeGreaterThanOrEqual(4);
  });

  it('pages every record once, newest first across shards and days, with no gap', async () => {
    const { log, appended } = await seededDays();
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await log.list({ limit: 9, ...(cursor ? { cursor } : {}) });
      pages.push(page.records.map((r) => r.reasons[0]!));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    const expected = [...appended].sort(newestFirst).map((r) => r.reasons[0]);
    expect(pages.flat()).toEqual(expected);
    expect(pages.slice(0, -1).every((p) => p.length === 9)).toBe(true);
  });

  it('bounds a time window across day boundaries, paged', async () => {
    const { log, appended } = await seededDays();
    const since = '2026-03-02T06:00:00.000Z';
    const until = '2026-03-04T05:00:00.000Z';
    const seen = [];
    let cursor: string | undefined;
    do {
      const page = await log.list({ since, until, limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.records);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    const expected = appended.filter((r) => r.time >= since && r.time <= until).sort(newestFirst);
    expect(expected.length).toBeGreaterThan(20);
    expect(seen.map((r) => r.reasons[0])).toEqual(expected.map((r) => r.reasons[0]));
  });
});

describe('DynamoDbAuditLog chain reads and checkpoints', () => {
  it('reads a stream after a seq in pages, and says when more follow', async () => {
    const { log } = await freshLog();
    for (let i = 0; i < 5; i++) await log.append(entry(i, 'api'));
    const first = await log.readChain('service#api', 1, 3);
    expect(first.records.map((r) => r.seq)).toEqual([2, 3, 4]);
    expect(first.more).toBe(true);
    const last = await log.readChain('service#api', 4, 3);
    expect(last).toEqual({ records: [expect.objectContaining({ seq: 5 })], more: false });
  });

  it('stores a checkpoint only over the one expected, and keeps it out of the listings', async () => {
    const { log } = await freshLog();
    const record = await log.append(entry(0, 'api'));
    const checkpoint = { stream: 'service#api', seq: 1, hash: record.hash, verifiedAt: '2026-03-01T13:00:00.000Z' };

    expect(await log.getCheckpoint('service#api')).toBeNull();
    await log.saveCheckpoint(checkpoint, null);
    await expect(log.saveCheckpoint({ ...checkpoint, seq: 2 }, null)).rejects.toBeInstanceOf(StaleVersionError);
    await expect(log.saveCheckpoint({ ...checkpoint, seq: 2 }, 5)).rejects.toBeInstanceOf(StaleVersionError);
    expect(await log.getCheckpoint('service#api')).toEqual(checkpoint);

    expect((await log.list({ limit: 10 })).records).toEqual([record]);
    expect((await log.list({ service: 'api', limit: 10 })).records).toEqual([record]);
    expect((await readAll(log, 'service#api')).map((r) => r.seq)).toEqual([1]);
  });
});

describe('the sandbox audit table', () => {
  it('refuses a table kept from before the sharded time index, naming what is missing', async () => {
    const old = auditTableInput('audit-old');
    await dynalite.client.send(new CreateTableCommand({
      ...old,
      AttributeDefinitions: [...old.AttributeDefinitions!.filter((a) => a.AttributeName !== 'timeShard'), { AttributeName: 'feed', AttributeType: 'S' }],
      GlobalSecondaryIndexes: [{
        IndexName: 'byTime', Projection: { ProjectionType: 'ALL' },
        KeySchema: [{ AttributeName: 'feed', KeyType: 'HASH' }, { AttributeName: 'timeKey', KeyType: 'RANGE' }],
      }],
    }));
    await expect(ensureTables(dynalite.client, { state: 'state-old', audit: 'audit-old' }))
      .rejects.toThrow('table audit-old has no byTimeShard or byStreamTime index');
  });
});
