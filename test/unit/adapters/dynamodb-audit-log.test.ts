import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { auditTableInput, auditTimeShard } from '#adapters/aws/table-design.ts';
import { ensureTables } from '#adapters/local/dynalite-server.ts';
import { auditEntry as entry } from './audit-log-contract.ts';
import { useDynalite } from './dynalite-fixture.ts';

// The AuditLog contract (audit-log-contract.ts, run in store-contracts.test.ts) covers appends,
// the chain, listing, cursors and checkpoints; here is only what is particular to DynamoDB.
const dynalite = useDynalite();

async function freshLog(): Promise<{ log: DynamoDbAuditLog }> {
  const names = await dynalite.freshTables();
  return { log: new DynamoDbAuditLog({ client: dynalite.client, tableName: names.audit }) };
}

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

describe('the sandbox audit table', () => {
  it('refuses a table kept from before the sharded time index, naming what is missing', async () => {
    const old = auditTableInput('audit-old');
    await dynalite.client.send(
      new CreateTableCommand({
        ...old,
        AttributeDefinitions: [...old.AttributeDefinitions!.filter((a) => a.AttributeName !== 'timeShard'), { AttributeName: 'feed', AttributeType: 'S' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byTime',
            Projection: { ProjectionType: 'ALL' },
            KeySchema: [
              { AttributeName: 'feed', KeyType: 'HASH' },
              { AttributeName: 'timeKey', KeyType: 'RANGE' },
            ],
          },
        ],
      }),
    );
    await expect(ensureTables(dynalite.client, { state: 'state-old', audit: 'audit-old' })).rejects.toThrow(
      'table audit-old has no byTimeShard or byStreamTime index',
    );
  });
});
