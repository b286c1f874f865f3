import { describe, expect, it } from 'vitest';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();

describe('the audit trail through the sandbox API', () => {
  it("pages every service's records newest first, one at a time, with no repeats", async () => {
    for (const name of ['audit-a', 'audit-b', 'audit-c']) expect((await sb.service(name, 'benefits', 'receipt-svc')).status).toBe(201);
    const all = (await sb.http('GET', '/audit?limit=200')).body.records as Array<{ hash: string; time: string }>;

    const paged: Array<{ hash: string }> = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { records: Array<{ hash: string }>; nextCursor: string | null } } = await sb.http(
        'GET',
        `/audit?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      paged.push(...page.body.records);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged.map((r) => r.hash)).toEqual(all.map((r) => r.hash));
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect([...all].sort((a, b) => (a.time < b.time ? 1 : -1)).map((r) => r.hash)).toEqual(all.map((r) => r.hash));
  });

  it('verifies from the checkpoint, then only what was appended since; a genesis run checks it all again', async () => {
    await sb.service('audit-v', 'benefits', 'receipt-svc');
    const first = await sb.http('GET', '/audit/verify?service=audit-v');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      stream: 'service#audit-v',
      from: 'checkpoint',
      intact: true,
      complete: true,
      startedAfter: 0,
      records: 1,
      cursor: null,
    });
    expect(first.body.checkpoint).toMatchObject({ seq: 1 });

    await sb.http('DELETE', '/services/audit-v');
    const next = await sb.http('GET', '/audit/verify?service=audit-v');
    expect(next.body).toMatchObject({ intact: true, complete: true, startedAfter: 1, verifiedThrough: 2, records: 1 });

    const genesis = await sb.http('GET', '/audit/verify?service=audit-v&from=genesis');
    expect(genesis.body).toMatchObject({ from: 'genesis', intact: true, complete: true, startedAfter: 0, verifiedThrough: 2, records: 2 });
  });

  it.each([
    ['an unknown starting point', '/audit/verify?from=yesterday', 'query.from'],
    ['a cursor on a checkpoint run', '/audit/verify?cursor=abc', 'query.cursor'],
    ['a cursor no verify run handed out', '/audit/verify?from=genesis&cursor=abc', 'query.cursor'],
  ])('answers 400 naming the field for %s', async (_, path, field) => {
    const answer = await sb.http('GET', path);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'validation_failed', field });
  });
});
