import { describe, expect, it } from 'vitest';
import { type AuditEntry, type AuditRecord, canonicalJson, chainEntry, GENESIS_HASH, verifyChain } from '#domain/audit.ts';

const entry = (n: number): AuditEntry => ({
  time: `2026-11-23T12:00:0${n}Z`,
  actor: 'dev',
  action: 'rule.create',
  target: `rule/AR-10${n}`,
  before: null,
  after: { n },
  outcome: 'success',
  reasons: ['because'],
  requestId: `r${n}`,
});

function chain(length: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let i = 0; i < length; i += 1) records.push(chainEntry(entry(i), 'system', records.at(-1) ?? null));
  return records;
}

describe('audit chain', () => {
  it('links the first record to the genesis hash and each next one to its predecessor', () => {
    const [first, second] = chain(2);
    expect(first!.prevHash).toBe(GENESIS_HASH);
    expect(second!.prevHash).toBe(first!.hash);
    expect(second!.seq).toBe(2);
  });

  it('verifies an untouched chain', () => expect(verifyChain(chain(5))).toBeNull());

  it('finds an edited record', () => {
    const records = chain(5);
    records[2] = { ...records[2]!, outcome: 'failure' };
    expect(verifyChain(records)).toEqual({ seq: 3, problem: 'hash does not match the record' });
  });

  it('finds a removed record', () => {
    const records = chain(5);
    records.splice(1, 1);
    expect(verifyChain(records)?.seq).toBe(3);
  });

  it('hashes the same content the same whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  });
});
