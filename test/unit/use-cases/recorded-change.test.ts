import { beforeEach, describe, expect, it } from 'vitest';
import { PARTLY_CHANGED_REASON, recordedChange } from '#use-cases/recorded-change.ts';
import { MemoryAuditOutbox } from './memory-outbox.ts';
import { MemoryAudit } from './memory-stores.ts';

const caller = { actor: 'user/alice', requestId: 'req-1' };
const probe = { kind: 'state-version' as const, entity: 'rule' as const, key: 'AR-101', version: 2 };
const plan = { action: 'rule.update', target: 'rule/AR-101', before: { v: 1 }, after: { v: 2 }, outcome: 'success' as const, reasons: ['planned'], probe };
let audit: MemoryAudit;
let auditOutbox: MemoryAuditOutbox;
const ports = () => ({ audit, auditOutbox, clock: { now: () => new Date('2026-12-03T10:00:00Z') } });

beforeEach(() => {
  audit = new MemoryAudit();
  auditOutbox = new MemoryAuditOutbox();
});

describe('recordedChange', () => {
  it('puts the intent before the change, appends the record with its id, then deletes the intent', async () => {
    let outboxDuringChange = 0;
    const result = await recordedChange(ports(), caller, plan, async () => {
      outboxDuringChange = auditOutbox.items.size;
      return 'done';
    });
    expect(result).toBe('done');
    expect(outboxDuringChange).toBe(1);
    expect(audit.records).toEqual([expect.objectContaining({ action: 'rule.update', outcome: 'success', actor: 'user/alice', intent: expect.any(String) })]);
    expect(auditOutbox.items.size).toBe(0);
  });

  it('records what the change really did, from `completed`', async () => {
    await recordedChange(ports(), caller, { ...plan, completed: (n: number) => ({ after: { v: n }, reasons: ['really'] }) }, async () => 7);
    expect(audit.records[0]).toMatchObject({ after: { v: 7 }, reasons: ['really'] });
  });

  it('does not start the change when the intent cannot be written', async () => {
    auditOutbox.failNext.put = 1;
    let ran = false;
    await expect(
      recordedChange(ports(), caller, plan, async () => {
        ran = true;
      }),
    ).rejects.toThrow(/outbox put/);
    expect(ran).toBe(false);
  });

  it('records a change that throws as a failure naming the error and that state may have changed partly, deletes the intent, and rethrows the error unchanged', async () => {
    const thrown = new Error('login refused');
    await expect(recordedChange(ports(), caller, plan, async () => Promise.reject(thrown))).rejects.toBe(thrown);
    expect(audit.records).toEqual([
      expect.objectContaining({
        outcome: 'failure',
        after: null,
        reasons: ['the change failed: Error: login refused', PARTLY_CHANGED_REASON, 'planned'],
        intent: expect.any(String),
      }),
    ]);
    expect(auditOutbox.items.size).toBe(0);
  });

  it('only withdraws the intent when the plan says its caller retries or records the failure itself', async () => {
    const conflict = new Error('conflict');
    const withdrawOnThrow = (err: unknown) => err === conflict;
    await expect(recordedChange(ports(), caller, { ...plan, withdrawOnThrow }, async () => Promise.reject(conflict))).rejects.toBe(conflict);
    expect(audit.records).toHaveLength(0);
    expect(auditOutbox.items.size).toBe(0);
    await expect(recordedChange(ports(), caller, { ...plan, withdrawOnThrow }, async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(audit.records.map((r) => r.outcome)).toEqual(['failure']);
  });

  it('leaves the untouched intent for the drainer when the failure record cannot be appended, and still rethrows the change error', async () => {
    const failing = Object.assign(Object.create(audit) as MemoryAudit, { append: async () => Promise.reject(new Error('throttled')) });
    await expect(recordedChange({ ...ports(), audit: failing }, caller, plan, async () => Promise.reject(new Error('conflict')))).rejects.toThrow('conflict');
    const [left] = [...auditOutbox.items.values()];
    expect(left).toMatchObject({ probe, entry: { outcome: 'success', after: { v: 2 }, reasons: ['planned'], intent: left?.id } });
    expect(audit.records).toHaveLength(0);
  });

  it('rethrows the change error when the intent delete after its failure record fails, leaving the intent for the drainer to find', async () => {
    auditOutbox.failNext.delete = 1;
    await expect(recordedChange(ports(), caller, plan, async () => Promise.reject(new Error('conflict')))).rejects.toThrow('conflict');
    expect(audit.records.map((r) => r.outcome)).toEqual(['failure']);
    expect([...auditOutbox.items.values()][0]?.id).toBe(audit.records[0]?.intent);
  });

  it('answers success when the append fails after the change, and leaves the intent, holding what the change did, for the drainer', async () => {
    const failing = Object.assign(Object.create(audit) as MemoryAudit, { append: async () => Promise.reject(new Error('throttled')) });
    const result = await recordedChange({ ...ports(), audit: failing }, caller, { ...plan, completed: () => ({ after: { v: 3 } }) }, async () => 'stood');
    expect(result).toBe('stood');
    const [left] = [...auditOutbox.items.values()];
    expect(left).toMatchObject({ probe, entry: { after: { v: 3 }, intent: left?.id } });
  });

  it('answers success when the intent delete fails after the record, leaving it for the drainer to find and delete', async () => {
    auditOutbox.failNext.delete = 1;
    await recordedChange(ports(), caller, plan, async () => undefined);
    expect(audit.records).toHaveLength(1);
    expect([...auditOutbox.items.values()][0]?.id).toBe(audit.records[0]?.intent);
  });
});
