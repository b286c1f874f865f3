import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { verifyChain, type AuditEntry } from '#domain/audit.ts';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { InvalidCursorError } from '#ports/errors.ts';
import { useDynalite } from './dynalite-fixture.ts';

const dynalite = useDynalite();

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

    const stream = await log.readStream('service#api');
    expect(stream.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(verifyChain(stream)).toBeNull();
    expect(new Set(appended.map((r) => r.seq)).size).toBe(30);
  });

  it('stores records that round-trip exactly, undefined fields and all', async () => {
    const { log } = await freshLog();
    const record = await log.append(entry(0, undefined, { before: undefined, after: { a: [undefined, 1] } }));
    const [stored] = await log.readStream('system');
    expect(stored).toEqual(record);
    expect(stored?.stream).toBe('system');
    expect(verifyChain([stored!])).toBeNull();
  });

  it('lets verifyChain find a record changed in the table', async () => {
    const { log, tableName } = await freshLog();
    for (let i = 0; i < 3; i++) await log.append(entry(i, 'api'));
    const [, second] = await log.readStream('service#api');
    await dynalite.client.send(new UpdateItemCommand({
      TableName: tableName,
      Key: { stream: { S: 'service#api' }, seq: { N: '2' } },
      UpdateExpression: 'SET #record = :record',
      ExpressionAttributeNames: { '#record': 'record' },
      ExpressionAttributeValues: { ':record': { S: JSON.stringify({ ...second, outcome: 'failure' }) } },
    }));

    expect(verifyChain(await log.readStream('service#api'))).toEqual({ seq: 2, problem: 'hash does not match the record' });
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
