import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FolderArchive } from '#adapters/local/folder-archive.ts';
import { LocalAuditSigner } from '#adapters/local/local-audit-signer.ts';
import { archiveBody, archiveKey, digestKey, digestSigningInput, sha256Hex } from '#domain/audit-digest.ts';
import { canonicalJson } from '#domain/canonical-json.ts';
import { verifyArchive } from '#use-cases/verify-archive.ts';
import { digestAll, type ExportFixture, streamRecords, writeExport } from './archive-export-fixture.ts';

// @ts-expect-error: a plain ES module with no types, as an auditor would write it.
const { canonical: independentCanonical } = (await import('../../fixtures/independent-verifier.mjs')) as { canonical: (value: unknown) => string };

/**
 * test/fixtures/independent-verifier.mjs was written from docs/audit-format.md alone (node:crypto
 * and node:fs, its own RFC 8785): where it and hms-sys's verifier agree on every export below, the
 * document is exact enough for an auditor to verify without hms-sys.
 */
const SCRIPT = 'test/fixtures/independent-verifier.mjs';
const LAYOUT = { 'service#intake': [3, 2, 4], system: [1], 'lookup#2026-12-03': [2, 2] };
const INTAKE = 'service#intake';

interface IndependentReport {
  intact: boolean;
  streams: Array<{ stream: string; through: number; digestTime: string | null }>;
  breaks: Array<{ stream: string; kind: string; key: string; seq?: number }>;
}

function independent(exported: ExportFixture): { status: number | null; report: IndependentReport } {
  const run = spawnSync(process.execPath, [SCRIPT, exported.dir, exported.publicKeyFile], { encoding: 'utf8' });
  if (run.stderr) throw new Error(run.stderr);
  return { status: run.status, report: JSON.parse(run.stdout) as IndependentReport };
}

/** Both verifiers on one export: the independent one's verdict, checked against hms-sys's first break of each stream. */
async function bothVerify(exported: ExportFixture) {
  const ours = await verifyArchive(new FolderArchive(exported.dir), exported.publicKeyPem);
  const theirs = independent(exported);
  const oursBreaks = [...ours.streams.flatMap((s) => (s.break ? [s.break] : [])), ...ours.undigested].map(({ stream, kind, key }) => ({ stream, kind, key }));
  expect(theirs.report.breaks.map(({ stream, kind, key }) => ({ stream, kind, key }))).toEqual(oursBreaks);
  expect(theirs.report.intact).toBe(ours.intact);
  expect(theirs.status).toBe(ours.intact ? 0 : 1);
  return theirs.report;
}

describe('an independent verifier written only from docs/audit-format.md', () => {
  it("writes RFC 8785 canonical JSON as the RFC's reference implementation does, from the document's summary of it", () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 }), (value) => independentCanonical(value) === canonicalize(value)),
      { numRuns: 2000 },
    );
  });

  it('passes an intact export, proving each stream as far as hms-sys does', async () => {
    const exported = await writeExport(LAYOUT);
    const report = await bothVerify(exported);
    expect(report.intact).toBe(true);
    expect(report.streams).toEqual([
      { stream: 'lookup#2026-12-03', through: 4, digestTime: '2026-12-03T11:00:00.000Z' },
      { stream: INTAKE, through: 9, digestTime: '2026-12-03T12:00:00.000Z' },
      { stream: 'system', through: 1, digestTime: '2026-12-03T10:00:00.000Z' },
    ]);
  });

  it('catches a deleted newest record', async () => {
    const exported = await writeExport(LAYOUT);
    const newest = archiveKey(INTAKE, 6, 9);
    exported.write(newest, exported.read(newest).split('\n').slice(0, -2).join('\n').concat('\n'));
    expect((await bothVerify(exported)).breaks).toEqual([expect.objectContaining({ stream: INTAKE, kind: 'archive-hash', key: newest })]);
  });

  it('catches a whole chain rewritten, re-hashed and re-signed with a key that is not the trusted one', async () => {
    const exported = await writeExport(LAYOUT);
    const mallory = new LocalAuditSigner({ keyFile: join(mkdtempSync(join(tmpdir(), 'mallory-')), 'key.pem') });
    await digestAll(INTAKE, streamRecords(INTAKE, 9, 'mallory'), [3, 2, 4], mallory, (await mallory.publicKey()).keyId, exported.write);
    expect((await bothVerify(exported)).breaks).toEqual([expect.objectContaining({ stream: INTAKE, kind: 'signature', key: digestKey(INTAKE, 3) })]);
  });

  it('catches a forged digest', async () => {
    const exported = await writeExport(LAYOUT);
    const key = digestKey(INTAKE, 9);
    exported.write(key, canonicalJson({ ...JSON.parse(exported.read(key)), recordCount: 3, firstSeq: 7 }));
    expect((await bothVerify(exported)).breaks).toEqual([expect.objectContaining({ stream: INTAKE, kind: 'signature', key })]);
  });

  it("catches a removed digest, in a stream's middle and at its end", async () => {
    const middle = await writeExport(LAYOUT);
    middle.remove(digestKey(INTAKE, 5));
    expect((await bothVerify(middle)).breaks).toEqual([expect.objectContaining({ stream: INTAKE, kind: 'missing-digest', key: digestKey(INTAKE, 9) })]);

    const end = await writeExport(LAYOUT);
    end.remove(digestKey('lookup#2026-12-03', 4));
    expect((await bothVerify(end)).breaks).toEqual([
      expect.objectContaining({ stream: 'lookup#2026-12-03', kind: 'undigested-archive', key: archiveKey('lookup#2026-12-03', 3, 4) }),
    ]);
  });

  it('catches an archive object gone', async () => {
    const exported = await writeExport(LAYOUT);
    exported.remove(archiveKey('system', 1, 1));
    expect((await bothVerify(exported)).breaks).toEqual([
      expect.objectContaining({ stream: 'system', kind: 'archive-missing', key: archiveKey('system', 1, 1) }),
    ]);
  });

  it('names the edited record, by seq, in an archive that the trusted key signed as it was (a digest function bug, not an attacker)', async () => {
    const signer = new LocalAuditSigner({ keyFile: join(mkdtempSync(join(tmpdir(), 'trusted-')), 'key.pem') });
    const exported = await writeExport(LAYOUT, signer);
    const records = exported.streams.get(INTAKE)!.records.slice(0, 3);
    records[1] = { ...records[1]!, actor: 'mallory' };
    const body = archiveBody(records);
    const { signature: _old, ...unsigned } = { ...JSON.parse(exported.read(digestKey(INTAKE, 3))), archiveSha256: sha256Hex(body) };
    exported.write(archiveKey(INTAKE, 1, 3), body);
    exported.write(digestKey(INTAKE, 3), canonicalJson({ ...unsigned, signature: (await signer.sign(digestSigningInput(unsigned))).signature }));
    const report = await bothVerify(exported);
    expect(report.breaks).toEqual([expect.objectContaining({ stream: INTAKE, kind: 'records', key: archiveKey(INTAKE, 1, 3), seq: 2 })]);
  });

  it('agrees with hms-sys on oversized objects: a format break at the object, the other streams still verified', async () => {
    const exported = await writeExport(LAYOUT);
    const huge = archiveKey(INTAKE, 4, 5);
    truncateSync(exported.path(huge), 300 * 1024 * 1024); // sparse: its size, not its bytes, is what counts
    const padded = digestKey('system', 1);
    exported.write(padded, exported.read(padded).concat(' '.repeat(70 * 1024)));
    const report = await bothVerify(exported);
    expect(report.breaks).toEqual([
      expect.objectContaining({ stream: INTAKE, kind: 'format', key: huge }),
      expect.objectContaining({ stream: 'system', kind: 'format', key: padded }),
    ]);
    expect(report.streams).toContainEqual(expect.objectContaining({ stream: 'lookup#2026-12-03', through: 4 }));
    rmSync(exported.dir, { recursive: true, force: true });
  });

  it('fails as hms-sys does, with a message and no stack trace, on an empty folder, a missing one and a key that is not P-256', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'empty-export-'));
    const exported = await writeExport({ system: [1] });
    const garbage = join(empty, '..', `garbage-${process.pid}.pem`);
    writeFileSync(garbage, 'not a key');
    const cases = [
      { folder: empty, key: exported.publicKeyFile, status: 1, says: 'holds no digests' },
      { folder: join(empty, 'missing'), key: exported.publicKeyFile, status: 2, says: 'is not a folder' },
      { folder: exported.dir, key: garbage, status: 2, says: 'P-256' },
      { folder: exported.dir, key: join(empty, 'no-such-key.pem'), status: 2, says: 'P-256' },
    ];
    for (const { folder, key, status, says } of cases) {
      const theirs = spawnSync(process.execPath, [SCRIPT, folder, key], { encoding: 'utf8' });
      const ours = spawnSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'audit', 'verify', '--offline', '--archive', folder, '--public-key', key], {
        encoding: 'utf8',
        env: { ...process.env, HMS_DATA_DIR: '/nonexistent-hms-sys' },
      });
      expect({ folder, status: theirs.status, stdout: theirs.stdout }).toEqual({ folder, status, stdout: '' });
      expect(theirs.stderr).toMatch(new RegExp(`^independent-verifier: .*${says}.*\\n$`));
      expect(theirs.stderr).not.toContain('    at ');
      expect({ folder, status: ours.status }).toEqual({ folder, status });
    }
  });
});
