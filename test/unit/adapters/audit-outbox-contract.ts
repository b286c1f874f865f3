import { describe, expect, it } from 'vitest';
import type { AuditOutbox, PendingAudit } from '#ports/audit-outbox.ts';
import { auditEntry } from './audit-log-contract.ts';

export interface AuditOutboxUnderTest {
  outbox: AuditOutbox;
  /** Another instance over the same storage, as a second Lambda would have (no shared memory). */
  another(): AuditOutbox;
}

/** A pending audit created at 12:00:{second} on 1 March 2026; an intent (with a probe) unless `final`. */
export function pendingAudit(id: string, second: number, final = false): PendingAudit {
  const createdAt = new Date(Date.UTC(2026, 2, 1, 12, 0, second)).toISOString();
  return {
    id,
    createdAt,
    entry: auditEntry(0, 'api', { time: createdAt, intent: id }),
    ...(final ? {} : { probe: { kind: 'state-version' as const, entity: 'rule' as const, key: 'AR-101', version: 2 } }),
  };
}

/**
 * The AuditOutbox port as the DynamoDB adapter implements it (unconditional puts keyed by id and
 * time, oldest-first listing, idempotent deletes), for any AuditOutbox. `make` gives an empty one.
 */
export function auditOutboxContract(name: string, make: () => Promise<AuditOutboxUnderTest>): void {
  describe(`${name} (AuditOutbox contract)`, () => {
    it('returns what it stored: a pending audit round-trips exactly, undefined fields dropped, unshared with the caller', async () => {
      const { outbox } = await make();
      const pending = { ...pendingAudit('a', 1), note: undefined } as PendingAudit;
      await outbox.put(pending);
      pending.entry.actor = 'changed after the put';
      const [listed] = await outbox.list(10);
      expect(listed).toEqual(pendingAudit('a', 1));
      expect(Object.keys(listed as object)).not.toContain('note');
      (listed as PendingAudit).entry.actor = 'changed after the list';
      expect((await outbox.list(10))[0]?.entry.actor).toBe('user/alice');
    });

    it('lists oldest first across every shard, at most `limit`', async () => {
      const { outbox } = await make();
      const seconds = [7, 3, 11, 0, 9, 1, 5, 2, 10, 4, 8, 6];
      for (const s of seconds) await outbox.put(pendingAudit(`id-${s}`, s, s % 2 === 0));
      expect((await outbox.list(100)).map((p) => p.id)).toEqual(Array.from({ length: 12 }, (_, s) => `id-${s}`));
      expect((await outbox.list(5)).map((p) => p.id)).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4']);
      expect(await outbox.list(0)).toEqual([]);
    });

    it('keeps one item for a retried put of the same pending audit, and a final entry has no probe', async () => {
      const { outbox } = await make();
      await outbox.put(pendingAudit('same', 1, true));
      await outbox.put(pendingAudit('same', 1, true));
      const listed = await outbox.list(10);
      expect(listed).toHaveLength(1);
      expect(listed[0]).not.toHaveProperty('probe');
    });

    it('deletes by id, from this instance or another one that never saw the id; deleting again or an unknown id does nothing', async () => {
      const { outbox, another } = await make();
      for (const s of [1, 2, 3]) await outbox.put(pendingAudit(`id-${s}`, s));
      await outbox.delete('id-2');
      await another().delete('id-3');
      await outbox.delete('id-3');
      await outbox.delete('never-put');
      expect((await outbox.list(10)).map((p) => p.id)).toEqual(['id-1']);
      expect((await another().list(10)).map((p) => p.id)).toEqual(['id-1']);
    });

    it('deletes an item another instance listed and this one put', async () => {
      const { outbox, another } = await make();
      await outbox.put(pendingAudit('x', 1));
      const drainer = another();
      const [listed] = await drainer.list(1);
      await drainer.delete((listed as PendingAudit).id);
      expect(await outbox.list(10)).toEqual([]);
    });

    const at = (second: number) => new Date(Date.UTC(2026, 2, 1, 12, 5, second)).toISOString();
    const claimOf = (by: string, untilSecond: number, afterSeq = 7) => ({ by, until: at(untilSecond), afterSeq });

    it("claims an item until the claim lapses: another drainer is refused meanwhile, from any instance; afterSeq stays the first claim's", async () => {
      const { outbox, another } = await make();
      await outbox.put(pendingAudit('x', 1, true));
      expect(await outbox.claim('x', claimOf('drainer-a', 30, 7), at(0))).toEqual(claimOf('drainer-a', 30, 7));
      expect(await another().claim('x', claimOf('drainer-b', 40, 9), at(10))).toBeNull();
      expect(await outbox.claim('x', claimOf('drainer-b', 40, 9), at(29))).toBeNull();
      // The holder may renew; once lapsed, anyone may claim, and the first afterSeq is kept.
      expect(await outbox.claim('x', claimOf('drainer-a', 35, 8), at(20))).toEqual(claimOf('drainer-a', 35, 7));
      expect(await another().claim('x', claimOf('drainer-b', 90, 9), at(35))).toEqual(claimOf('drainer-b', 90, 7));
      expect((await outbox.list(10)).map((p) => p.id)).toEqual(['x']);
      expect((await outbox.list(10))[0]).toEqual(pendingAudit('x', 1, true));
    });

    it('claims nothing that is not there: an unknown or deleted item stays absent', async () => {
      const { outbox, another } = await make();
      expect(await outbox.claim('never-put', claimOf('drainer-a', 30), at(0))).toBeNull();
      await outbox.put(pendingAudit('gone', 1));
      await outbox.list(10);
      await another().delete('gone');
      expect(await outbox.claim('gone', claimOf('drainer-a', 30), at(0))).toBeNull();
      await outbox.release('gone', 'drainer-a');
      expect(await outbox.list(10)).toEqual([]);
    });

    it("releases only the holder's claim, so another drainer may claim at once; a put drops any claim", async () => {
      const { outbox, another } = await make();
      await outbox.put(pendingAudit('x', 1));
      await outbox.claim('x', claimOf('drainer-a', 30, 3), at(0));
      await another().release('x', 'drainer-b');
      expect(await another().claim('x', claimOf('drainer-b', 40, 5), at(1))).toBeNull();
      await another().release('x', 'drainer-a');
      expect(await another().claim('x', claimOf('drainer-b', 40, 5), at(2))).toEqual(claimOf('drainer-b', 40, 3));
      await outbox.put(pendingAudit('x', 1));
      expect(await outbox.claim('x', claimOf('drainer-c', 50, 6), at(3))).toEqual(claimOf('drainer-c', 50, 6));
      expect(await outbox.list(10)).toEqual([pendingAudit('x', 1)]);
    });

    it('refuses a pending audit without a valid creation time', async () => {
      const { outbox } = await make();
      await expect(outbox.put({ ...pendingAudit('bad', 1), createdAt: 'not a time' })).rejects.toThrow(/createdAt/);
      expect(await outbox.list(10)).toEqual([]);
    });
  });
}
