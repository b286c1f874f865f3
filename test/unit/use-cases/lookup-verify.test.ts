import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '#domain/audit.ts';
import { NotFoundError } from '#domain/errors.ts';
import { verifyAuditChain } from '#use-cases/audit-verify.ts';
import { memoryPorts } from './memory-ports.ts';

const budget = { maxRecords: 1_000, pageSize: 2, shouldStop: () => false };

function lookup(n: number, day = '2026-12-03'): AuditEntry {
  return {
    kind: 'lookup',
    time: `${day}T09:00:0${n}.000Z`,
    actor: 'user/ana',
    action: 'lookup.listServices',
    target: '/services',
    before: { query: {} },
    after: null,
    outcome: 'success',
    reasons: ['authorized by scope hms/rules.read'],
    requestId: `r-${n}`,
  };
}

describe("verifying a day's lookup stream", () => {
  it('checks lookup#<day> alone, and stores its own checkpoint', async () => {
    const { ports } = memoryPorts();
    for (let n = 1; n <= 3; n++) await ports.audit.append(lookup(n));
    await ports.audit.append(lookup(4, '2026-12-04'));
    const report = await verifyAuditChain(ports, { from: 'checkpoint', lookupDay: '2026-12-03' }, budget);
    expect(report).toMatchObject({ stream: 'lookup#2026-12-03', intact: true, complete: true, records: 3, verifiedThrough: 3 });
    expect(await ports.audit.getCheckpoint('lookup#2026-12-03')).toMatchObject({ seq: 3 });
  });

  it('names the first lookup edited behind the log', async () => {
    const { ports } = memoryPorts();
    for (let n = 1; n <= 3; n++) await ports.audit.append(lookup(n));
    const at = ports.audit.records.findIndex((r) => r.stream === 'lookup#2026-12-03' && r.seq === 2);
    ports.audit.records[at] = { ...ports.audit.records[at]!, actor: 'user/someone-else' };
    const report = await verifyAuditChain(ports, { from: 'genesis', lookupDay: '2026-12-03' }, budget);
    expect(report).toMatchObject({ intact: false, firstBreak: { seq: 2, problem: 'hash does not match the record' } });
  });

  it('answers not found for a day with no lookups, rather than an intact stream of none', async () => {
    const { ports } = memoryPorts();
    await expect(verifyAuditChain(ports, { from: 'checkpoint', lookupDay: '2026-12-01' }, budget)).rejects.toThrow(NotFoundError);
    await expect(verifyAuditChain(ports, { from: 'checkpoint', lookupDay: '2026-12-01' }, budget)).rejects.toThrow(/lookup stream of 2026-12-01/);
  });
});
