import { describe, expect, it } from 'vitest';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { DynamoDbAuditOutbox } from '#adapters/aws/dynamodb-audit-outbox.ts';
import { type AuditRecord, verifyChain } from '#domain/audit.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { AuditOutbox, PendingAudit } from '#ports/audit-outbox.ts';
import { DEFAULT_CLAIM_MS, type DrainPorts, drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { auditEntry } from '../adapters/audit-log-contract.ts';
import { useDynalite } from '../adapters/dynalite-fixture.ts';
import { MemoryAuditOutbox } from './memory-outbox.ts';
import { MemoryAudit } from './memory-stores.ts';

// Two drainers settling the same outbox item: the reconciler's and a lookup listing's run at once.
// Drainer A is stalled before each of its calls in turn; meanwhile drainer B drains everything,
// with A's claim still held or (A having stalled past it) lapsed, and a later lookup Y goes on the
// same stream after X. Whatever the point, each lookup ends on its chain exactly once.

const dynalite = useDynalite();
const STREAM = 'lookup#2026-03-01';
const T0 = Date.UTC(2026, 2, 1, 12, 1, 0);

/** A final entry (a lookup) put at 12:00:{second}. */
function lookup(id: string, second: number): PendingAudit {
  const createdAt = new Date(Date.UTC(2026, 2, 1, 12, 0, second)).toISOString();
  return { id, createdAt, entry: { ...auditEntry(0, undefined, { time: createdAt, intent: id }), kind: 'lookup', action: `lookup.${id}` } };
}

interface Backend {
  audit: AuditLog;
  /** A new outbox instance over the same storage, as each drainer's Lambda has its own. */
  outbox(): AuditOutbox;
  records(): Promise<AuditRecord[]>;
}

const BACKENDS: [string, () => Promise<Backend>][] = [
  [
    'memory fakes',
    async () => {
      const audit = new MemoryAudit();
      const outbox = new MemoryAuditOutbox();
      return { audit, outbox: () => outbox, records: async () => audit.records.filter((r) => r.stream === STREAM) };
    },
  ],
  [
    'DynamoDB adapters on dynalite',
    async () => {
      const tableName = (await dynalite.freshTables()).audit;
      const audit = new DynamoDbAuditLog({ client: dynalite.client, tableName });
      return {
        audit,
        outbox: () => new DynamoDbAuditOutbox({ client: dynalite.client, tableName }),
        records: async () => (await audit.readChain(STREAM, 0, 100)).records,
      };
    },
  ],
];

/** Ports whose call number `at` (from 0) waits until `resume` is called; `reached` settles when it is made. */
function stalledAt(ports: DrainPorts, at: number) {
  const calls: string[] = [];
  let resume = () => {};
  const gate = new Promise<void>((resolve) => {
    resume = resolve;
  });
  let reach = () => {};
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  const wrap = <T extends object>(name: string, port: T): T =>
    new Proxy(port, {
      get: (target, member, receiver) => {
        const value = Reflect.get(target, member, receiver);
        if (typeof value !== 'function' || typeof member !== 'string') return value;
        return async (...args: unknown[]) => {
          if (calls.push(`${name}.${member}`) - 1 === at) {
            reach();
            await gate;
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return { ports: { ...ports, audit: wrap('audit', ports.audit), auditOutbox: wrap('auditOutbox', ports.auditOutbox) }, calls, reached, resume };
}

const clockAt = (ms: number) => ({ now: () => new Date(ms) });

async function interleave(make: () => Promise<Backend>, at: number, claimLapsed: boolean) {
  const backend = await make();
  await backend.outbox().put(lookup('x', 1));
  const a = stalledAt({ audit: backend.audit, auditOutbox: backend.outbox(), clock: clockAt(T0) }, at);
  const drainA = drainAuditOutbox(a.ports, { graceMs: 0, limit: 1 });
  const stalled = await Promise.race([a.reached.then(() => true), drainA.then(() => false)]);
  // Y comes after X, and B drains both: X (unless A holds it) and then Y, on the same stream.
  await backend.outbox().put(lookup('y', 2));
  const bNow = claimLapsed ? T0 + DEFAULT_CLAIM_MS + 1_000 : T0;
  const b = await drainAuditOutbox({ audit: backend.audit, auditOutbox: backend.outbox(), clock: clockAt(bNow) }, { graceMs: 0 });
  a.resume();
  const reportA = await drainA;
  // Whatever either left (nothing, as it turns out) is settled by a later run.
  await drainAuditOutbox({ audit: backend.audit, auditOutbox: backend.outbox(), clock: clockAt(T0 + 10 * DEFAULT_CLAIM_MS) }, { graceMs: 0 });
  return { backend, calls: a.calls, stalled, reportA, b };
}

describe.each(BACKENDS)('two drainers interleaved (%s)', (_name, make) => {
  it.each([false, true])('record each lookup once, A stalled before each of its calls; its claim lapsed while stalled: %s', async (claimLapsed) => {
    const rehearsal = await interleave(make, Number.POSITIVE_INFINITY, claimLapsed);
    expect(rehearsal.calls).toEqual(['auditOutbox.list', 'audit.list', 'audit.lastSeq', 'auditOutbox.claim', 'audit.append', 'auditOutbox.delete']);
    for (let at = 0; at < rehearsal.calls.length; at++) {
      const where = `A stalled before ${rehearsal.calls[at]}, claim lapsed: ${claimLapsed}`;
      const { backend, stalled, b } = await interleave(make, at, claimLapsed);
      expect(stalled, where).toBe(true);
      const records = await backend.records();
      expect(records.map((r) => r.intent).sort(), where).toEqual(['x', 'y']);
      expect(verifyChain(records), where).toBeNull();
      expect(await backend.outbox().list(10), where).toEqual([]);
      // While A's claim holds and X is not yet on its chain, B leaves X to A; once it is, B finds the record and only deletes X.
      const claimed = rehearsal.calls.indexOf('auditOutbox.claim');
      const appended = rehearsal.calls.indexOf('auditOutbox.delete');
      expect(b.claimed, where).toBe(at > claimed && at < appended && !claimLapsed ? 1 : 0);
      expect(b.alreadyRecorded, where).toBe(at === appended ? 1 : 0);
    }
  });
});
