import { describe, expect, it } from 'vitest';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import { useSandbox } from './sandbox-fixture.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const clock = new OffsetClock();
const sb = useSandbox({ clock });

describe('retention prune in the sandbox (AU-11)', () => {
  it('records past the hot period leave the table once archived and verified; verify still holds and starts after them', async () => {
    expect((await sb.service('ret-a', 'benefits', 'receipt-svc')).status).toBe(201);
    for (const monthlyUSD of [5, 6]) expect((await sb.http('POST', '/budgets/ret-a', { monthlyUSD })).status).toBe(200);
    const first = await sb.http('POST', '/audit/digests');
    const archived = first.body.digests.find((d: { stream: string }) => d.stream === 'service#ret-a');
    expect(archived).toMatchObject({ firstSeq: 1 });

    clock.advance(91 * DAY_MS);
    expect((await sb.http('POST', '/budgets/ret-a', { monthlyUSD: 7 })).status).toBe(200);
    const scheduled = (await sb.sandbox.auditArchive.digestNow()) as { result?: { prune: { pruned: unknown[]; refused: unknown[] } }; error?: unknown };
    expect(scheduled.error).toBeUndefined();
    expect(scheduled.result?.prune.refused).toEqual([]);
    expect(scheduled.result?.prune.pruned).toContainEqual({ stream: 'service#ret-a', throughSeq: archived.lastSeq, records: archived.lastSeq });

    const listed = await sb.http('GET', '/audit?service=ret-a&limit=50');
    expect(listed.body.records.map((r: { seq: number }) => r.seq)).toEqual([archived.lastSeq + 1]);
    const verify = await sb.http('GET', '/audit/verify?service=ret-a&from=genesis');
    expect(verify.body).toMatchObject({
      intact: true,
      firstBreak: null,
      startedAfter: archived.lastSeq,
      verifiedThrough: archived.lastSeq + 1,
      digests: { prunedThrough: archived.lastSeq, firstBreak: null },
    });
    // The archive keeps them.
    const body = await sb.sandbox.auditArchive.ports.archive.get(`archive/service%23ret-a/000000000001-${String(archived.lastSeq).padStart(12, '0')}.jsonl`);
    expect(body?.trim().split('\n')).toHaveLength(archived.lastSeq);
  });
});
