import { join } from 'node:path';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevKey, signDevClaims } from '#sandbox/dev-auth.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
const badCursor = { code: 'validation_failed', message: expect.any(String), field: 'query.cursor' };

describe('audit cursors', () => {
  let cursor = '';

  it("is set up: two services with a few records each, and a cursor from the first one's query", async () => {
    for (const name of ['cur-a', 'cur-b']) {
      expect((await sb.service(name, 'benefits', 'receipt-svc')).status).toBe(201);
      for (const monthlyUSD of [5, 6, 7]) expect((await sb.http('POST', `/budgets/${name}`, { monthlyUSD })).status).toBe(200);
    }
    const first = await sb.http('GET', '/audit?service=cur-a&limit=1');
    cursor = first.body.nextCursor;
    expect(typeof cursor).toBe('string');
    const second = await sb.http('GET', `/audit?service=cur-a&limit=1&cursor=${cursor}`);
    expect(second.status).toBe(200);
    expect(second.body.records[0].seq).toBe(first.body.records[0].seq - 1);
  });

  it("refuses a cursor from another service's query with 400 naming the cursor", async () => {
    const answer = await sb.http('GET', `/audit?service=cur-b&limit=1&cursor=${cursor}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual(badCursor);
  });

  it("refuses a cursor used with other time bounds than its query's", async () => {
    const answer = await sb.http('GET', `/audit?service=cur-a&limit=1&since=2020-01-01T00:00:00Z&cursor=${cursor}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual(badCursor);
  });

  it.each([
    ['a string sequence number', (key: string) => key.replace(/#\d{12}$/, '#00000000000x')],
    ['a non-numeric time key', (key: string) => key.replace(/^[^#]+/, 'not-a-time')],
    ['a time that does not exist', (key: string) => key.replace(/^[^#]+/, '2026-13-45T99:00:00.000Z')],
    ["another service's stream", (key: string) => key.replace('service#cur-a', 'service#cur-b')],
  ])('refuses a cursor whose contents were edited to %s', async (_, edit) => {
    const { p, c } = decode(cursor);
    const edited = encode({ p: edit(p as string), c });
    const answer = await sb.http('GET', `/audit?service=cur-a&limit=1&cursor=${edited}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual(badCursor);
  });

  it.each([
    ['not base64 JSON', 'bm9wZQ'],
    ['a JSON array', encode([1, 2])],
    ['an old-style cursor with scope and key', encode({ scope: 'service#cur-a', after: '2026-01-01T00:00:00.000Z#service#cur-a#000000000001' })],
  ])('refuses a cursor that is %s', async (_, bad) => {
    const answer = await sb.http('GET', `/audit?service=cur-a&limit=1&cursor=${bad}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual(badCursor);
  });

  it("refuses a verify cursor from another service's run, or with a string sequence number", async () => {
    const records = (await sb.http('GET', '/audit/verify?service=cur-a&from=genesis')).body;
    expect(records).toMatchObject({ intact: true, complete: true });
    const forged = encode({ p: { seq: '1', hash: 'a'.repeat(64) }, c: 'x' });
    for (const path of [`/audit/verify?service=cur-b&from=genesis&cursor=${forged}`, `/audit/verify?service=cur-b&from=genesis&cursor=${cursor}`]) {
      const answer = await sb.http('GET', path);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toEqual(badCursor);
    }
  });
});

describe('a corrupted audit record', () => {
  it('makes GET /audit/verify answer intact: false naming that record, not a 500', async () => {
    expect((await sb.service('corrupt-a', 'benefits', 'receipt-svc')).status).toBe(201);
    for (const monthlyUSD of [5, 6, 7]) expect((await sb.http('POST', '/budgets/corrupt-a', { monthlyUSD })).status).toBe(200);
    const client = new DynamoDBClient({ endpoint: sb.sandbox.dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      // The record's JSON, cut short, written straight into dynalite.
      await client.send(
        new UpdateItemCommand({
          TableName: 'hms-sys-audit',
          Key: { stream: { S: 'service#corrupt-a' }, seq: { N: '3' } },
          UpdateExpression: 'SET #record = :broken',
          ConditionExpression: 'attribute_exists(#record)',
          ExpressionAttributeNames: { '#record': 'record' },
          ExpressionAttributeValues: { ':broken': { S: '{"time":"2026-12-03T00:00:00.000Z","act' } },
        }),
      );
    } finally {
      client.destroy();
    }
    const answer = await sb.http('GET', '/audit/verify?service=corrupt-a&from=genesis');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      intact: false,
      firstBreak: { seq: 3, problem: expect.stringContaining('not valid JSON') },
      verifiedThrough: 2,
      complete: true,
    });
    const fromCheckpoint = await sb.http('GET', '/audit/verify?service=corrupt-a');
    expect(fromCheckpoint.body).toMatchObject({ intact: false, firstBreak: { seq: 3 } });
  });

  it('lists the corrupt record as audit.unreadable, with its stream and seq, beside the readable ones', async () => {
    for (const path of ['/audit?service=corrupt-a', '/audit']) {
      const answer = await sb.http('GET', path);
      expect(answer.status).toBe(200);
      const records = answer.body.records as Array<{ stream: string; seq: number; action: string; reasons: string[] }>;
      const mine = records.filter((r) => r.stream === 'service#corrupt-a');
      expect(mine.find((r) => r.seq === 3)).toMatchObject({
        action: 'audit.unreadable',
        outcome: 'failure',
        reasons: [expect.stringContaining('not valid JSON')],
      });
      expect(mine.filter((r) => r.seq !== 3).map((r) => r.action)).toEqual(['budget.set', 'budget.set', 'service.create']);
    }
  });
});

describe("the sandbox's own routes", () => {
  const signed = async (claims: Record<string, unknown>) => {
    const key = await loadOrCreateDevKey(join(sb.sandbox.dataDir, 'dev-signing-key.json'));
    const now = Math.floor(Date.now() / 1000);
    return signDevClaims(key, { iss: DEV_ISSUER, aud: DEV_AUDIENCE, iat: now - 5, exp: now + 600, scope: 'hms/rules.write hms/audit.read', ...claims });
  };

  it.each([
    ['POST', '/sandbox/metrics', { service: 'cur-a', metric: 'http_rps', value: 1 }],
    ['GET', '/sandbox/dead-letters', undefined],
    ['GET', '/sandbox/events', undefined],
  ])('refuses %s %s with a correctly signed token that has no sub, as the API routes do', async (method, path, body) => {
    const token = await signed({});
    const answer = await sb.http(method, path, body, token);
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('unauthorized');
    expect((await sb.http('GET', '/services', undefined, await signed({ scope: 'hms/rules.read' }))).status).toBe(401);
    expect((await sb.http(method, path, body, await signed({ sub: 'someone' }))).status).toBe(200);
  });
});
