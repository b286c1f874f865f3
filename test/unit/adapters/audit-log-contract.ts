import { describe, expect, it } from 'vitest';
import { type AuditEntry, type AuditRecord, GENESIS_HASH, verifyChain, verifyChainFrom } from '#domain/audit.ts';
import type { AuditLog, AuditQuery } from '#ports/audit-log.ts';
import { InvalidCursorError, StaleVersionError } from '#ports/errors.ts';

export interface AuditLogUnderTest {
  log: AuditLog;
  /** Overwrites a stored record behind the log's back, as someone with table access could. */
  tamper(record: AuditRecord): Promise<void>;
}

/** An audit entry at 12:{minute} on 1 March 2026, in a service's stream or the system's. */
export function auditEntry(minute: number, service?: string, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    time: new Date(Date.UTC(2026, 2, 1, 12, minute)).toISOString(),
    actor: 'user/alice',
    action: 'rule.update',
    target: 'rule/AR-101',
    before: { replicas: 2, nested: { list: [1, null, 'x'] } },
    after: { replicas: 3 },
    outcome: 'success',
    reasons: [`minute ${minute}`],
    requestId: `req-${minute}`,
    ...(service ? { service, tags: { agency: 'DOT' } } : {}),
    ...extra,
  };
}

async function readAll(log: AuditLog, stream: string, pageSize = 3): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for (;;) {
    const page = await log.readChain(stream, records.at(-1)?.seq ?? 0, pageSize);
    records.push(...page.records);
    if (!page.more) return records;
  }
}

async function everyPage(log: AuditLog, query: Omit<AuditQuery, 'cursor'>): Promise<AuditRecord[][]> {
  const pages: AuditRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await log.list({ ...query, ...(cursor ? { cursor } : {}) });
    pages.push(page.records);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return pages;
}

const minutes = (records: AuditRecord[]) => records.map((r) => r.reasons[0]);

/**
 * The AuditLog port as the DynamoDB adapter implements it (a hash chain per stream on conditional
 * puts, the time index read newest first with opaque cursors, conditional checkpoints), for any
 * AuditLog. `make` gives an empty log for each test.
 */
export function auditLogContract(name: string, make: () => Promise<AuditLogUnderTest>): void {
  describe(`${name} (AuditLog contract)`, () => {
    describe('append and the chain', () => {
      it("links each stream's records from seq 1 and the genesis hash, one chain per service and one for the system", async () => {
        const { log } = await make();
        const first = await log.append(auditEntry(0, 'api'));
        const second = await log.append(auditEntry(1, 'api'));
        const system = await log.append(auditEntry(2));
        expect(first).toMatchObject({ stream: 'service#api', seq: 1, prevHash: GENESIS_HASH });
        expect(second).toMatchObject({ stream: 'service#api', seq: 2, prevHash: first.hash });
        expect(system).toMatchObject({ stream: 'system', seq: 1, prevHash: GENESIS_HASH });
        expect(verifyChain(await readAll(log, 'service#api'))).toBeNull();
      });

      it("appends an outbox item once when two drainers append it at once: the second finds it at the stream's head", async () => {
        const { log } = await make();
        await log.append(auditEntry(0, 'api'));
        const item = auditEntry(1, 'api', { intent: 'outbox-item-1' });
        const [a, b] = await Promise.all([log.append(item), log.append(item)]);
        expect(a).toEqual(b);
        expect((await readAll(log, 'service#api')).map((r) => r.intent ?? null)).toEqual([null, 'outbox-item-1']);
        const other = await log.append(auditEntry(2, 'api', { intent: 'outbox-item-2' }));
        expect(other.seq).toBe(3);
      });

      it('with afterSeq, finds an outbox item appended before more records, read at once, and never appends it again', async () => {
        const { log } = await make();
        expect(await log.lastSeq('service#api')).toBe(0);
        await log.append(auditEntry(0, 'api'));
        const afterSeq = await log.lastSeq('service#api');
        expect(afterSeq).toBe(1);
        const item = auditEntry(1, 'api', { intent: 'outbox-item-x' });
        const first = await log.append(item, { afterSeq });
        await log.append(auditEntry(2, 'api', { intent: 'outbox-item-y' }), { afterSeq });
        await log.append(auditEntry(3, 'api'));
        // Without afterSeq only the head is compared; with it, the record behind two others is found.
        expect(await log.append(item, { afterSeq })).toEqual(first);
        expect((await readAll(log, 'service#api')).map((r) => r.intent ?? null)).toEqual([null, 'outbox-item-x', 'outbox-item-y', null]);
        expect(await log.lastSeq('service#api')).toBe(4);
        // A search from past the record does not see it: afterSeq is where the search starts.
        expect((await log.append(item, { afterSeq: 3 })).seq).toBe(5);
      });

      it('with afterSeq, appends an outbox item once when two drainers append it at once', async () => {
        const { log } = await make();
        await log.append(auditEntry(0, 'api'));
        const item = auditEntry(1, 'api', { intent: 'outbox-item-1' });
        const [a, b] = await Promise.all([log.append(item, { afterSeq: 1 }), log.append(item, { afterSeq: 1 }), log.append(auditEntry(2, 'api'))]);
        expect(a).toEqual(b);
        expect((await readAll(log, 'service#api')).filter((r) => r.intent === 'outbox-item-1')).toHaveLength(1);
        expect(verifyChain(await readAll(log, 'service#api'))).toBeNull();
      });

      it('serializes 20 concurrent appends to one stream into seq 1..20 with an intact chain', async () => {
        const { log } = await make();
        const appended = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(auditEntry(i, 'api'))));
        const stream = await readAll(log, 'service#api', 7);
        expect(stream.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(new Set(appended.map((r) => r.seq)).size).toBe(20);
        expect(verifyChain(stream)).toBeNull();
      });

      it('returns what it stored: a record round-trips exactly, undefined fields dropped, unshared with the caller', async () => {
        const { log } = await make();
        const source = auditEntry(0, undefined, { before: undefined, after: { a: [null, 1] } });
        const record = await log.append(source);
        (source.after as { a: unknown[] }).a.push('late');
        const [stored] = await readAll(log, 'system');
        expect(stored).toEqual(record);
        expect(Object.keys(stored!)).not.toContain('before');
        expect(stored!.after).toEqual({ a: [null, 1] });
        expect(verifyChain([stored!])).toBeNull();
      });

      it('reads back a record changed in storage, so verification finds it', async () => {
        const { log, tamper } = await make();
        for (let i = 0; i < 3; i++) await log.append(auditEntry(i, 'api'));
        const [, second] = await readAll(log, 'service#api');
        await tamper({ ...second!, outcome: 'failure' });
        expect(verifyChain(await readAll(log, 'service#api'))).toEqual({ seq: 2, problem: 'hash does not match the record' });
      });
    });

    describe('readChain', () => {
      it('reads one stream after a seq, oldest first, in pages that say when more follow', async () => {
        const { log } = await make();
        for (let i = 0; i < 5; i++) await log.append(auditEntry(i, 'api'));
        await log.append(auditEntry(5, 'web'));
        const first = await log.readChain('service#api', 1, 3);
        expect(first.records.map((r) => r.seq)).toEqual([2, 3, 4]);
        expect(first.more).toBe(true);
        expect(await log.readChain('service#api', 4, 1)).toEqual({ records: [expect.objectContaining({ seq: 5 })], more: false });
        expect(await log.readChain('service#api', 5, 3)).toEqual({ records: [], more: false });
        expect(await log.readChain('service#nobody', 0, 3)).toEqual({ records: [], more: false });
        // A run verified from a record continues from that record's hash.
        expect(verifyChainFrom(first.records, { seq: 1, hash: (await log.readChain('service#api', 0, 1)).records[0]!.hash })).toBeNull();
      });
    });

    describe('list', () => {
      async function seeded() {
        const { log } = await make();
        // 12 records over minutes 0..11, alternating between two services and the system stream.
        const owners = ['api', 'web', undefined] as const;
        for (let minute = 0; minute < 12; minute++) await log.append(auditEntry(minute, owners[minute % 3]));
        return log;
      }

      it('pages through every record once, newest first, with no cursor after the last page', async () => {
        const log = await seeded();
        const pages = await everyPage(log, { limit: 5 });
        expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
        expect(minutes(pages.flat())).toEqual(Array.from({ length: 12 }, (_, i) => `minute ${11 - i}`));
        expect((await log.list({ limit: 12 })).nextCursor).toBeNull();
      });

      it("orders by each record's time, not by when it was appended", async () => {
        const { log } = await make();
        for (const minute of [5, 1, 9, 3]) await log.append(auditEntry(minute, 'api'));
        expect(minutes((await log.list({ limit: 10 })).records)).toEqual(['minute 9', 'minute 5', 'minute 3', 'minute 1']);
        expect(minutes((await everyPage(log, { service: 'api', limit: 1 })).flat())).toEqual(['minute 9', 'minute 5', 'minute 3', 'minute 1']);
      });

      it('keeps to one service stream across pages', async () => {
        const log = await seeded();
        const pages = await everyPage(log, { service: 'api', limit: 3 });
        expect(pages.map((p) => p.length)).toEqual([3, 1]);
        expect(minutes(pages.flat())).toEqual(['minute 9', 'minute 6', 'minute 3', 'minute 0']);
        expect(await log.list({ service: 'nobody', limit: 3 })).toEqual({ records: [], nextCursor: null });
      });

      it('applies since and until inclusively, in any ISO form, with and without a service', async () => {
        const log = await seeded();
        const since = new Date(Date.UTC(2026, 2, 1, 12, 3)).toISOString();
        const until = '2026-03-01T12:07:00Z';
        expect(minutes((await everyPage(log, { since, until, limit: 2 })).flat())).toEqual(['minute 7', 'minute 6', 'minute 5', 'minute 4', 'minute 3']);
        expect(minutes((await everyPage(log, { service: 'web', since, until, limit: 1 })).flat())).toEqual(['minute 7', 'minute 4']);
        expect(minutes((await everyPage(log, { since: '2026-03-01T12:10:00.000Z', limit: 10 })).flat())).toEqual(['minute 11', 'minute 10']);
        expect(minutes((await everyPage(log, { until: '2026-03-01T12:01:00.000Z', limit: 10 })).flat())).toEqual(['minute 1', 'minute 0']);
      });

      it('returns nothing when since is after until', async () => {
        const log = await seeded();
        expect(await log.list({ since: '2026-03-01T13:00:00Z', until: '2026-03-01T12:00:00Z', limit: 5 })).toEqual({ records: [], nextCursor: null });
      });

      it('reads a limit below one as one, and a fractional limit rounded down', async () => {
        const log = await seeded();
        expect((await log.list({ limit: 0 })).records).toHaveLength(1);
        expect((await log.list({ limit: 2.9 })).records).toHaveLength(2);
      });

      it("rejects a cursor from another query's scope, or one it never handed out, with InvalidCursorError", async () => {
        const log = await seeded();
        const { nextCursor } = await log.list({ limit: 2 });
        const { nextCursor: apiCursor } = await log.list({ service: 'api', limit: 2 });
        expect(nextCursor).not.toBeNull();
        expect(apiCursor).not.toBeNull();
        await expect(log.list({ service: 'api', limit: 2, cursor: nextCursor! })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(log.list({ service: 'web', limit: 2, cursor: apiCursor! })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(log.list({ limit: 2, cursor: apiCursor! })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(log.list({ limit: 2, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
        const forged = Buffer.from(JSON.stringify({ scope: '*', after: 12 })).toString('base64url');
        await expect(log.list({ limit: 2, cursor: forged })).rejects.toBeInstanceOf(InvalidCursorError);
      });
    });

    describe('lookups', () => {
      const lookup = (minute: number, day = 1) =>
        auditEntry(minute, undefined, {
          kind: 'lookup',
          time: new Date(Date.UTC(2026, 2, day, 12, minute)).toISOString(),
          action: 'lookup.listServices',
          target: '/services',
          before: { query: {} },
          after: null,
          reasons: [`lookup ${day}/${minute}`],
        });

      it("chains each day's lookups in its own stream, apart from the changes", async () => {
        const { log } = await make();
        await log.append(auditEntry(0, 'api'));
        const first = await log.append(lookup(1));
        const second = await log.append(lookup(2));
        const nextDay = await log.append(lookup(3, 2));
        expect([first.stream, first.seq, second.seq, nextDay.stream, nextDay.seq]).toEqual(['lookup#2026-03-01', 1, 2, 'lookup#2026-03-02', 1]);
        expect(verifyChain((await log.readChain('lookup#2026-03-01', 0, 10)).records)).toBeNull();
      });

      it('lists changes without lookups by default, and lookups alone with kind lookup, newest first across days and pages', async () => {
        const { log } = await make();
        for (let minute = 0; minute < 6; minute++) {
          await log.append(auditEntry(minute, minute % 2 ? 'api' : undefined));
          await log.append(lookup(minute, 1 + (minute % 2)));
        }
        const changes = (await everyPage(log, { limit: 4 })).flat();
        expect(minutes(changes)).toEqual(['minute 5', 'minute 4', 'minute 3', 'minute 2', 'minute 1', 'minute 0']);
        const lookups = await everyPage(log, { kind: 'lookup', limit: 4 });
        expect(lookups.map((p) => p.length)).toEqual([4, 2]);
        expect(minutes(lookups.flat())).toEqual(['lookup 2/5', 'lookup 2/3', 'lookup 2/1', 'lookup 1/4', 'lookup 1/2', 'lookup 1/0']);
        expect(lookups.flat().every((r) => r.kind === 'lookup' && r.stream.startsWith('lookup#'))).toBe(true);
        const since = '2026-03-02T12:03:00Z';
        expect(minutes((await log.list({ kind: 'lookup', since, limit: 10 })).records)).toEqual(['lookup 2/5', 'lookup 2/3']);
      });

      it('refuses a cursor of the change listing in the lookup listing, and the reverse', async () => {
        const { log } = await make();
        for (let minute = 0; minute < 3; minute++) {
          await log.append(auditEntry(minute));
          await log.append(lookup(minute));
        }
        const { nextCursor: changeCursor } = await log.list({ limit: 1 });
        const { nextCursor: lookupCursor } = await log.list({ kind: 'lookup', limit: 1 });
        await expect(log.list({ kind: 'lookup', limit: 1, cursor: changeCursor! })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(log.list({ limit: 1, cursor: lookupCursor! })).rejects.toBeInstanceOf(InvalidCursorError);
        expect(minutes((await log.list({ kind: 'lookup', limit: 5, cursor: lookupCursor! })).records)).toEqual(['lookup 1/1', 'lookup 1/0']);
      });

      it('refuses a lookup listing by service, as lookups chain by day', async () => {
        const { log } = await make();
        await log.append(lookup(1));
        await expect(log.list({ kind: 'lookup', service: 'api', limit: 5 })).rejects.toThrow(/lookups chain by day/);
      });
    });

    describe('checkpoints', () => {
      it('stores a checkpoint only over the one expected, and keeps it out of the listings and the chain', async () => {
        const { log } = await make();
        const record = await log.append(auditEntry(0, 'api'));
        const checkpoint = { stream: 'service#api', seq: 1, hash: record.hash, verifiedAt: '2026-03-01T13:00:00.000Z' };

        expect(await log.getCheckpoint('service#api')).toBeNull();
        await expect(log.saveCheckpoint(checkpoint, 1)).rejects.toBeInstanceOf(StaleVersionError);
        await log.saveCheckpoint(checkpoint, null);
        await expect(log.saveCheckpoint({ ...checkpoint, seq: 2 }, null)).rejects.toBeInstanceOf(StaleVersionError);
        await expect(log.saveCheckpoint({ ...checkpoint, seq: 2 }, 5)).rejects.toBeInstanceOf(StaleVersionError);
        expect(await log.getCheckpoint('service#api')).toEqual(checkpoint);
        expect(await log.getCheckpoint('system')).toBeNull();

        const next = await log.append(auditEntry(1, 'api'));
        await log.saveCheckpoint({ ...checkpoint, seq: 2, hash: next.hash }, 1);
        expect(await log.getCheckpoint('service#api')).toMatchObject({ seq: 2, hash: next.hash });

        expect((await log.list({ limit: 10 })).records).toEqual([next, record]);
        expect((await log.list({ service: 'api', limit: 10 })).records).toEqual([next, record]);
        expect((await readAll(log, 'service#api')).map((r) => r.seq)).toEqual([1, 2]);
      });

      it('lets one of two verifiers moving the same checkpoint win', async () => {
        const { log } = await make();
        const record = await log.append(auditEntry(0, 'api'));
        const checkpoint = { stream: 'service#api', seq: 1, hash: record.hash, verifiedAt: '2026-03-01T13:00:00.000Z' };
        const results = await Promise.allSettled([log.saveCheckpoint(checkpoint, null), log.saveCheckpoint({ ...checkpoint, verifiedAt: 'other' }, null)]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(StaleVersionError);
      });
    });
  });
}
