import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashRecord } from '#domain/audit.ts';
import { archiveKey, digestHash, digestKey, parseDigest } from '#domain/audit-digest.ts';
import { runDigests } from '#use-cases/audit-digests.ts';
import { pruneAudit } from '#use-cases/audit-prune.ts';
import { verifyAuditChain } from '#use-cases/audit-verify.ts';
import { verifyDigestChain } from '#use-cases/audit-verify-digests.ts';
import { change, digestPorts } from './digest-fixture.ts';

const budget = { maxRecords: 10_000, pageSize: 100, shouldStop: () => false };
const STREAM = 'service#orders';

/** Orders records 1..3 digested on 2026-12-03, then 4..5 an hour later: two digests, ending at 3 and 5. */
async function twoDigests() {
  const fixture = digestPorts();
  for (let i = 0; i < 3; i++) await fixture.audit.append(change('orders', `2026-12-03T14:0${i}:00.000Z`));
  await runDigests(fixture.ports, { retentionDays: 365 });
  fixture.clock.at = new Date('2026-12-03T16:00:00.000Z');
  for (let i = 0; i < 2; i++) await fixture.audit.append(change('orders', `2026-12-03T15:3${i}:00.000Z`));
  await runDigests(fixture.ports, { retentionDays: 365 });
  return fixture;
}

describe('a fully pruned stream goes on from its last record', () => {
  it('prune keeps the newest record, so the next append chains on and is digested and verified', async () => {
    const { audit, clock, ports } = digestPorts();
    for (let i = 0; i < 3; i++) await audit.append(change('orders', `2026-12-03T14:0${i}:00.000Z`));
    await runDigests(ports, { retentionDays: 365 });
    clock.at = new Date('2027-03-05T15:00:00.000Z');

    const pruned = await pruneAudit(ports, { hotDays: 90 });
    expect(pruned).toMatchObject({ refused: [], pruned: [{ stream: STREAM, throughSeq: 3, records: 2 }] });
    expect(audit.records.map((r) => r.seq)).toEqual([3]);

    const next = await audit.append(change('orders', '2027-03-05T15:00:00.000Z'));
    expect(next).toMatchObject({ seq: 4, prevHash: audit.records[0]?.hash });
    expect(next.prevHash).not.toBe(GENESIS_HASH);
    clock.at = new Date('2027-03-05T16:00:00.000Z');
    const run = await runDigests(ports, { retentionDays: 365 });
    expect(run.digests.map((d) => [d.stream, d.firstSeq, d.lastSeq])).toEqual([[STREAM, 4, 4]]);
    // A second prune, once the new digest is old too, still keeps the newest record.
    clock.at = new Date('2027-06-10T16:00:00.000Z');
    await pruneAudit(ports, { hotDays: 90 });
    expect(audit.records.map((r) => r.seq)).toEqual([4]);

    expect(await verifyAuditChain(ports, { service: 'orders', from: 'genesis' }, budget)).toMatchObject({
      intact: true,
      verifiedThrough: 4,
      digests: { newest: { lastSeq: 4 }, firstBreak: null },
    });
  });
});

describe("verify's stored mark is a hint, never trusted", () => {
  it('a forged verified mark past a newer digest is a break, so records cut behind it show', async () => {
    const { audit, digestState, archive, ports } = await twoDigests();
    const third = parseDigest((await archive.get(digestKey(STREAM, 3))) as string);
    audit.records.splice(3);
    // The forger points the mark at the newest digest's key, with the positions of the digest ending at 3.
    digestState.marks.set(`verified#${STREAM}`, {
      stream: STREAM,
      digestKey: digestKey(STREAM, 5),
      lastSeq: 3,
      lastHash: third.lastHash,
      digestHash: digestHash(third),
      digestTime: third.digestTime,
    });

    const report = await verifyAuditChain(ports, { service: 'orders', from: 'genesis' }, budget);

    expect(report.intact).toBe(false);
    expect(report.digests?.firstBreak).toEqual({
      stream: STREAM,
      key: digestKey(STREAM, 5),
      kind: 'checkpoint',
      problem: 'the stored verify checkpoint does not match the digest it names',
    });
  });

  it('a mark naming a digest not in the bucket is a break', async () => {
    const { digestState, ports } = await twoDigests();
    const real = digestState.marks.get(`verified#${STREAM}`) ?? (await verifyDigestChain(ports, STREAM, () => false)).newestMark;
    digestState.marks.set(`verified#${STREAM}`, { ...real!, digestKey: digestKey(STREAM, 9), lastSeq: 9 });
    const { report } = await verifyDigestChain(ports, STREAM, () => false);
    expect(report.firstBreak).toMatchObject({ kind: 'missing-digest', key: digestKey(STREAM, 9) });
  });

  it('newest is the bucket’s last digest even when the time runs out first', async () => {
    const { ports } = await twoDigests();
    let calls = 0;
    const { report, newestMark } = await verifyDigestChain(ports, STREAM, () => calls++ >= 1);
    expect(report).toMatchObject({ checked: 1, complete: false, firstBreak: null, newest: { key: digestKey(STREAM, 5), lastSeq: 5 } });
    expect(newestMark?.lastSeq).toBe(5);
  });
});

describe('the digest run writes each object once', () => {
  it('an object already at a key the run writes, with other bytes, fails the stream naming it and is not replaced', async () => {
    const { audit, archive, ports } = digestPorts();
    await audit.append(change('orders', '2026-12-03T14:00:00.000Z'));
    const squatted = digestKey(STREAM, 1);
    archive.tamper(squatted, '{"planted":true}');

    const report = await runDigests(ports, { retentionDays: 365 });

    expect(report.failures).toEqual([{ stream: STREAM, problem: `${squatted} is already in the archive with other bytes` }]);
    expect(await archive.get(squatted)).toBe('{"planted":true}');
    expect(archive.versions.get(squatted)).toHaveLength(1);
  });

  it('a rewritten chain whose run was refused stays refused on every later run, and nothing is chained to it', async () => {
    const { audit, archive, clock, digestState, ports } = digestPorts();
    for (let i = 0; i < 3; i++) await audit.append(change('orders', `2026-12-03T14:0${i}:00.000Z`));
    await runDigests(ports, { retentionDays: 365 });
    // The forger edits record 2, re-links 2..3 with consistent hashes and drops the stream's head.
    for (let i = 1; i < 3; i++) {
      const { hash: _old, ...rest } = audit.records[i]!;
      const unhashed = { ...rest, actor: i === 1 ? 'someone-else' : rest.actor, prevHash: audit.records[i - 1]!.hash };
      audit.records[i] = { ...unhashed, hash: hashRecord(unhashed) };
    }
    digestState.heads.delete(STREAM);
    const refused = await runDigests(ports, { retentionDays: 365 });
    expect(refused.failures).toEqual([{ stream: STREAM, problem: `${archiveKey(STREAM, 1, 3)} is already in the archive with other bytes` }]);

    clock.at = new Date('2026-12-03T16:00:00.000Z');
    await audit.append(change('orders', '2026-12-03T15:30:00.000Z'));
    const keysBefore = [...archive.versions.keys()].sort();
    const again = await runDigests(ports, { retentionDays: 365 });

    expect(again.digests).toEqual([]);
    expect(again.failures).toEqual([{ stream: STREAM, problem: `${digestKey(STREAM, 3)} is already in the archive with other bytes` }]);
    expect([...archive.versions.keys()].sort()).toEqual(keysBefore);
    expect(await archive.get(digestKey(STREAM, 4))).toBeNull();
  });
});

describe('streams left with only their kept newest record', () => {
  it('do not crowd out a stream with records to prune', async () => {
    const { audit, clock, ports } = digestPorts();
    for (const service of ['a', 'b', 'c']) await audit.append(change(service, '2026-12-03T14:00:00.000Z'));
    await runDigests(ports, { retentionDays: 365 });
    clock.at = new Date('2027-03-05T15:00:00.000Z');
    await pruneAudit(ports, { hotDays: 90 });
    expect(audit.records.map((r) => r.stream)).toEqual(['service#a', 'service#b', 'service#c']);

    for (let i = 0; i < 2; i++) await audit.append(change('z', `2027-03-05T15:0${i}:00.000Z`));
    await runDigests(ports, { retentionDays: 365 });
    clock.at = new Date('2027-06-10T15:00:00.000Z');
    const report = await pruneAudit(ports, { hotDays: 90, maxStreams: 1 });

    expect(report.pruned).toEqual([{ stream: 'service#z', throughSeq: 2, records: 1 }]);
  });
});

describe('a pruned stream whose kept newest record is deleted', () => {
  it('is a break, though the table then holds a fresh chain from seq 1', async () => {
    const { audit, clock, ports } = digestPorts();
    for (let i = 0; i < 3; i++) await audit.append(change('orders', `2026-12-03T14:0${i}:00.000Z`));
    await runDigests(ports, { retentionDays: 365 });
    clock.at = new Date('2027-03-05T15:00:00.000Z');
    await pruneAudit(ports, { hotDays: 90 });
    audit.records.splice(0);
    expect((await audit.append(change('orders', '2027-03-05T15:00:00.000Z'))).seq).toBe(1);

    const report = await verifyAuditChain(ports, { service: 'orders', from: 'genesis' }, budget);

    expect(report).toMatchObject({ intact: false, firstBreak: { seq: 3, problem: expect.stringContaining('no record at or after its mark is left') } });
  });
});
