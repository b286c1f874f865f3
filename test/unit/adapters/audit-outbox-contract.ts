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

    it('refuses a pending audit without a valid creation time', async () => {
      const { outbox } = await make();
      await expect(outbox.put({ ...pendingAudit('bad', 1), createdAt: 'not a time' })).rejects.toThrow(/createdAt/);
      expect(await outbox.list(10)).toEqual([]);
    });
  });
}
