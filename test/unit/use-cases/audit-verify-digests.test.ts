import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashRecord } from '#domain/audit.ts';
import { digestKey, digestSigningInput, parseDigest } from '#domain/audit-digest.ts';
import { runDigests } from '#use-cases/audit-digests.ts';
import { pruneAudit } from '#use-cases/audit-prune.ts';
import { verifyAuditChain } from '#use-cases/audit-verify.ts';
import { change, digestPorts } from './digest-fixture.ts';

const budget = { maxRecords: 10_000, pageSize: 100, shouldStop: () => false };
const verify = (ports: ReturnType<typeof digestPorts>['ports'], from: 'checkpoint' | 'genesis' = 'genesis') =>
  verifyAuditChain(ports, { service: 'orders', from }, budget);

async function digested(records = 5) {
  const fixture = digestPorts();
  for (let i = 0; i < records; i++) await fixture.audit.append(change('orders', `2026-12-03T14:0${i}:00.000Z`));
  await runDigests(fixture.ports, { retentionDays: 365 });
  return fixture;
}

describe('verify against the signed digests', () => {
  it('an intact stream: the chain and its digests hold', async () => {
    const { ports } = await digested();
    const report = await verify(ports);
    expect(report).toMatchObject({ intact: true, firstBreak: null, complete: true, verifiedThrough: 5 });
    expect(report.digests).toEqual({
      checked: 1,
      newest: { key: digestKey('service#orders', 5), lastSeq: 5, digestTime: '2026-12-03T15:00:00.000Z' },
      firstBreak: null,
      complete: true,
      prunedThrough: 0,
    });
  });

  it('names records older than the digest runs allow that no digest covers: a stream hidden from the runs, or its digests deleted', async () => {
    const { audit, clock, ports } = await digested();
    await audit.append(change('orders', '2026-12-03T15:30:00.000Z'));
    clock.at = new Date('2026-12-03T17:00:00.000Z');
    expect((await verify(ports)).intact).toBe(true);
    clock.at = new Date('2026-12-03T18:31:00.000Z');
    const report = await verify(ports);
    expect(report.intact).toBe(false);
    expect(report.firstBreak?.seq).toBe(6);
    expect(report.firstBreak?.problem).toMatch(/^no signed digest covers this record, written 2026-12-03T15:30:00.000Z, over 3 hours ago/);
  });

  it('catches a deleted newest record and names it, which the chain alone cannot', async () => {
    const { audit, ports } = await digested();
    audit.records.pop();
    const report = await verify(ports);
    expect(report.intact).toBe(false);
    expect(report.firstBreak).toEqual({
      seq: 5,
      problem: `the record is missing, though the newest digest (${digestKey('service#orders', 5)}) covers records through 5`,
    });
  });

  it('catches a whole chain rewritten and re-hashed, naming the newest digest it no longer matches', async () => {
    const { audit, ports } = await digested();
    for (let i = 0; i < audit.records.length; i++) {
      const { hash: _old, ...rest } = { ...audit.records[i]!, actor: 'mallory' };
      const unhashed = { ...rest, prevHash: i === 0 ? rest.prevHash : audit.records[i - 1]!.hash };
      audit.records[i] = { ...unhashed, hash: hashRecord(unhashed) };
    }
    const report = await verify(ports);
    expect(report.intact).toBe(false);
    expect(report.firstBreak).toEqual({ seq: 5, problem: `the record is not the one the newest digest (${digestKey('service#orders', 5)}) signed` });
  });

  it('catches a forged digest (signed with another key) and names its object', async () => {
    const { audit, archive, clock, ports } = await digested();
    await audit.append(change('orders', '2026-12-03T15:30:00.000Z'));
    clock.at = new Date('2026-12-03T16:00:00.000Z');
    await runDigests(ports, { retentionDays: 365 });
    const key = digestKey('service#orders', 6);
    const genuine = parseDigest((await archive.get(key)) as string);
    const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const forged = { ...genuine, signature: sign('sha256', digestSigningInput(genuine), { key: forger, dsaEncoding: 'der' }).toString('base64') };
    archive.tamper(key, JSON.stringify(forged));

    const report = await verify(ports);

    expect(report.intact).toBe(false);
    expect(report.firstBreak).toEqual({ seq: 6, problem: `${key}: the signature does not verify with the public key` });
    expect(report.digests?.firstBreak).toMatchObject({ kind: 'signature', key });
  });

  it('moves its digest checkpoint on, so the next call checks only newer digests', async () => {
    const { audit, clock, ports } = await digested();
    expect((await verify(ports, 'checkpoint')).digests?.checked).toBe(1);
    expect((await verify(ports, 'checkpoint')).digests).toMatchObject({ checked: 0, newest: { lastSeq: 5 } });
    await audit.append(change('orders', '2026-12-03T15:30:00.000Z'));
    clock.at = new Date('2026-12-03T16:00:00.000Z');
    await runDigests(ports, { retentionDays: 365 });
    expect((await verify(ports, 'checkpoint')).digests).toMatchObject({ checked: 1, newest: { lastSeq: 6 } });
  });
});

describe('retention prune (AU-11)', () => {
  it('deletes records past the hot period only once their digest and archive verify; verify then starts after them', async () => {
    const { audit, clock, ports } = await digested(3);
    clock.at = new Date('2027-03-03T15:00:00.000Z');
    await audit.append(change('orders', '2027-03-03T14:00:00.000Z'));
    await runDigests(ports, { retentionDays: 365 });
    clock.at = new Date('2027-03-05T15:00:00.000Z');

    const report = await pruneAudit(ports, { hotDays: 90 });

    expect(report.refused).toEqual([]);
    expect(report.pruned).toEqual([{ stream: 'service#orders', throughSeq: 3, records: 3 }]);
    expect(audit.records.map((r) => r.seq)).toEqual([4]);
    expect(await verify(ports)).toMatchObject({ intact: true, startedAfter: 3, verifiedThrough: 4, digests: { prunedThrough: 3, firstBreak: null } });
  });

  it('refuses to prune when the archive does not match its digest, and deletes nothing', async () => {
    const { audit, archive, clock, ports } = await digested(3);
    const digest = parseDigest((await archive.get(digestKey('service#orders', 3))) as string);
    archive.tamper(digest.archiveKey, 'tampered\n');
    clock.at = new Date('2027-03-05T15:00:00.000Z');

    const report = await pruneAudit(ports, { hotDays: 90 });

    expect(report.pruned).toEqual([]);
    expect(report.refused).toEqual([{ stream: 'service#orders', key: digest.archiveKey, problem: "the archive's SHA-256 is not the one the digest signed" }]);
    expect(audit.records).toHaveLength(3);
  });

  it('keeps records younger than the hot period', async () => {
    const { audit, clock, ports } = await digested(3);
    clock.at = new Date('2027-02-01T15:00:00.000Z');
    expect((await pruneAudit(ports, { hotDays: 90 })).pruned).toEqual([]);
    expect(audit.records).toHaveLength(3);
  });

  it('a forged prune mark is a break: verify accepts a mark only at the end of a signed digest', async () => {
    const { digestState, ports } = await digested(3);
    await digestState.saveMark(
      'pruned',
      {
        stream: 'service#orders',
        digestKey: digestKey('service#orders', 2),
        lastSeq: 2,
        lastHash: 'f'.repeat(64),
        digestHash: 'e'.repeat(64),
        digestTime: '2026-01-01T00:00:00.000Z',
      },
      null,
    );
    const report = await verify(ports);
    expect(report).toMatchObject({ intact: false, firstBreak: { seq: 2, problem: expect.stringContaining('not a signed digest ending at this record') } });
  });
});
