import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '#domain/audit.ts';
import type { ChangeProbe, PendingAudit } from '#ports/audit-outbox.ts';
import { DRAINER_RECORDED_REASON, drainAuditOutbox, NOT_TAKEN_REASON } from '#use-cases/drain-audit-outbox.ts';
import { MemoryAuditOutbox } from './memory-outbox.ts';
import { MemoryAudit } from './memory-stores.ts';

const T0 = new Date('2026-12-03T10:00:00.000Z');
const MINUTE = 60_000;
let now: Date;
let audit: MemoryAudit;
let outbox: MemoryAuditOutbox;
const ports = () => ({ audit, auditOutbox: outbox, clock: { now: () => now } });

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  time: T0.toISOString(),
  actor: 'user/alice',
  action: 'rule.update',
  target: 'rule/AR-101',
  before: { minReplicas: 1 },
  after: { minReplicas: 2 },
  outcome: 'success',
  reasons: ['fields changed: minReplicas'],
  requestId: 'req-1',
  service: 'api',
  ...over,
});
const probe: ChangeProbe = { kind: 'state-version', entity: 'rule', key: 'AR-101', version: 2 };
const intent = (id: string, over: Partial<AuditEntry> = {}): PendingAudit => ({
  id,
  createdAt: T0.toISOString(),
  entry: entry({ intent: id, ...over }),
  probe,
});
const lookup = (id: string): PendingAudit => ({
  id,
  createdAt: T0.toISOString(),
  entry: entry({ kind: 'lookup', action: 'lookup.listRules', target: '/autoscale-rules', before: { query: {} }, after: null, service: undefined }),
});

beforeEach(() => {
  now = T0;
  audit = new MemoryAudit();
  outbox = new MemoryAuditOutbox();
});

describe('drainAuditOutbox: final entries', () => {
  it('appends a lookup to its day stream with the item id as intent, and empties the outbox', async () => {
    await outbox.put(lookup('l-1'));
    const report = await drainAuditOutbox(ports(), { graceMs: 15 * MINUTE });
    expect(report).toMatchObject({ appended: 1, alreadyRecorded: 0, left: 0, failed: 0 });
    expect(audit.records).toEqual([expect.objectContaining({ stream: 'lookup#2026-12-03', seq: 1, intent: 'l-1', kind: 'lookup', outcome: 'success' })]);
    expect(outbox.items.size).toBe(0);
  });

  it('never appends a final entry twice: a drainer that stopped after its append leaves the item, the next only deletes it', async () => {
    await outbox.put(lookup('l-1'));
    outbox.failNext.delete = 1;
    const first = await drainAuditOutbox(ports(), { graceMs: 0 });
    expect(first).toMatchObject({ appended: 0, failed: 1 });
    expect(outbox.items.size).toBe(1);
    const second = await drainAuditOutbox(ports(), { graceMs: 0 });
    expect(second).toMatchObject({ appended: 0, alreadyRecorded: 1 });
    expect(audit.records).toHaveLength(1);
    expect(outbox.items.size).toBe(0);
  });

  it('keeps an item whose append failed, for the next run', async () => {
    await outbox.put(lookup('l-1'));
    const failing = { ...ports(), audit: Object.assign(Object.create(audit), { append: async () => Promise.reject(new Error('throttled')) }) };
    const report = await drainAuditOutbox(failing, { graceMs: 0 });
    expect(report).toMatchObject({ failed: 1, errors: ['l-1: throttled'] });
    expect(outbox.items.has('l-1')).toBe(true);
  });
});

describe('drainAuditOutbox: intents', () => {
  it('leaves an intent younger than the grace period, whatever its probe would say', async () => {
    await outbox.put(intent('i-1'));
    now = new Date(T0.getTime() + 14 * MINUTE);
    const report = await drainAuditOutbox(ports(), { graceMs: 15 * MINUTE, probes: async () => true });
    expect(report).toMatchObject({ left: 1, appended: 0 });
    expect(audit.records).toHaveLength(0);
  });

  it('only deletes an intent whose record its writer appended', async () => {
    await outbox.put(intent('i-1'));
    await audit.append(entry({ intent: 'i-1' }));
    now = new Date(T0.getTime() + 16 * MINUTE);
    const report = await drainAuditOutbox(ports(), { graceMs: 15 * MINUTE, probes: async () => false });
    expect(report).toMatchObject({ alreadyRecorded: 1 });
    expect(audit.records).toHaveLength(1);
    expect(outbox.items.size).toBe(0);
  });

  it('records a change that stood as a success, saying the drainer recorded it, and one that did not as a failure', async () => {
    await outbox.put(intent('stood'));
    await outbox.put(intent('lost', { target: 'rule/AR-102' }));
    now = new Date(T0.getTime() + 16 * MINUTE);
    const asked: string[] = [];
    const probes = async (p: ChangeProbe) => {
      asked.push(JSON.stringify(p));
      return asked.length === 1;
    };
    const report = await drainAuditOutbox(ports(), { graceMs: 15 * MINUTE, probes });
    expect(report).toMatchObject({ appended: 2 });
    const [stood, lost] = audit.records;
    expect(stood).toMatchObject({ intent: 'stood', outcome: 'success', after: { minReplicas: 2 } });
    expect(stood?.reasons).toContain(DRAINER_RECORDED_REASON);
    expect(lost).toMatchObject({ intent: 'lost', outcome: 'failure', after: null, target: 'rule/AR-102' });
    expect(lost?.reasons[0]).toBe(NOT_TAKEN_REASON);
    expect(asked).toEqual([JSON.stringify(probe), JSON.stringify(probe)]);
  });

  it('leaves an intent whose probe this function cannot answer, for one that can', async () => {
    await outbox.put(intent('i-1'));
    now = new Date(T0.getTime() + 16 * MINUTE);
    expect(await drainAuditOutbox(ports(), { graceMs: 15 * MINUTE })).toMatchObject({ left: 1 });
    expect(await drainAuditOutbox(ports(), { graceMs: 15 * MINUTE, probes: async () => null })).toMatchObject({ left: 1 });
    expect(outbox.items.size).toBe(1);
    expect(audit.records).toHaveLength(0);
    // It gave up its claim, so the function that can answer settles it at once, not after the claim lapses.
    expect(await drainAuditOutbox(ports(), { graceMs: 15 * MINUTE, probes: async () => true })).toMatchObject({ appended: 1, claimed: 0 });
    expect(audit.records.map((r) => r.intent)).toEqual(['i-1']);
  });

  it('skips an item another drainer has claimed until its claim lapses, and gives up its own claim when the append fails', async () => {
    await outbox.put(lookup('l-1'));
    await outbox.claim('l-1', { by: 'another drainer', until: new Date(T0.getTime() + MINUTE).toISOString(), afterSeq: 0 }, T0.toISOString());
    expect(await drainAuditOutbox(ports(), { graceMs: 0 })).toMatchObject({ appended: 0, claimed: 1 });
    expect(audit.records).toHaveLength(0);
    now = new Date(T0.getTime() + MINUTE);
    const failing = Object.assign(Object.create(audit) as MemoryAudit, { append: async () => Promise.reject(new Error('throttled')) });
    expect(await drainAuditOutbox({ ...ports(), audit: failing }, { graceMs: 0 })).toMatchObject({ failed: 1 });
    // Released: a drainer at the same moment takes it, rather than waiting for that claim to lapse.
    expect(await drainAuditOutbox(ports(), { graceMs: 0 })).toMatchObject({ appended: 1, claimed: 0 });
    expect(outbox.items.size).toBe(0);
  });

  it('drains oldest first, at most `limit` a run', async () => {
    for (const [i, id] of ['c', 'a', 'b'].entries())
      await outbox.put({ ...lookup(id), createdAt: new Date(T0.getTime() + [3, 1, 2][i]! * 1000).toISOString() });
    await drainAuditOutbox(ports(), { graceMs: 0, limit: 2 });
    expect(audit.records.map((r) => r.intent)).toEqual(['a', 'b']);
    expect([...outbox.items.keys()]).toEqual(['c']);
  });
});
