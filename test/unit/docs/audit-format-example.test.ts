import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type AuditRecord, canonicalJson, chainEntry } from '#domain/audit.ts';
import { archiveBody, archiveKey, buildDigest, sha256Hex } from '#domain/audit-digest.ts';
import { lookupEntry } from '#domain/lookup.ts';
import { routes } from '../../../functions/api/triggers.ts';

// docs/audit-format.md section 7 gives hashes an auditor checks their verifier against: recompute
// every one of them with hms-sys's own code, so the document cannot drift from what is written.
const doc = readFileSync(new URL('../../../docs/audit-format.md', import.meta.url), 'utf8');
const example = doc.slice(doc.indexOf('## 7. Worked example'), doc.indexOf('## 8.'));
const blocks = [...example.matchAll(/```\n([^`]+)\n```/g)].map((m) => m[1]!);
const hashes = [...example.matchAll(/`([0-9a-f]{64})`/g)].map((m) => m[1]!);

describe('docs/audit-format.md, section 7: the worked example', () => {
  const entry = {
    time: '2026-12-03T10:15:00.000Z',
    actor: 'alice@agency.gov',
    action: 'rule.create',
    target: 'rule/AR-101',
    before: null,
    after: { maxReplicas: 20, minReplicas: 4, threshold: 0.5 },
    outcome: 'success' as const,
    reasons: ['created by alice@agency.gov'],
    requestId: 'req-1',
    service: 'intake',
  };
  const first = chainEntry(entry, 'service#intake', null);
  const second = chainEntry(
    {
      ...entry,
      time: '2026-12-03T10:16:00.000Z',
      action: 'service.scale',
      target: 'service/intake',
      before: { replicas: 4 },
      after: { replicas: 6 },
      reasons: ['manual scale to 6'],
      requestId: 'req-2',
      intent: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    },
    'service#intake',
    first,
  );

  it('the first record, canonicalized without its hash, is the text shown, and hashes to the hash given', () => {
    const { hash: _hash, ...unhashed } = first;
    expect(canonicalJson(unhashed)).toBe(blocks[0]);
    expect(hashes[0]).toBe(first.hash);
  });

  it('the second record and the archive object of both hash to the values given', () => {
    expect(hashes[1]).toBe(second.hash);
    expect(example).toContain(archiveKey('service#intake', 1, 2));
    expect(hashes[2]).toBe(sha256Hex(archiveBody([first, second])));
  });

  it("the digest's signing input is the text shown", () => {
    const unsigned = buildDigest({
      stream: 'service#intake',
      records: [first, second] as AuditRecord[],
      previous: null,
      digestTime: '2026-12-03T11:00:00.000Z',
      archiveKey: archiveKey('service#intake', 1, 2),
      keyId: 'arn:aws:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    expect(canonicalJson(unsigned)).toBe(blocks[1]);
  });

  it('names lookup actions as the code writes them', () => {
    const named = /`(lookup\.[A-Za-z]+)`/.exec(doc)?.[1];
    const read = { operationId: 'listAudit', path: '/audit', query: {}, scope: 'hms/audit.read', actor: 'alice', requestId: 'r', time: entry.time };
    expect(named).toBe(lookupEntry(read, { outcome: 'success' }).action);
    expect(routes.some((t) => t.method === 'GET' && t.path === '/audit' && t.operationId === 'listAudit')).toBe(true);
  });
});
