import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderArchive } from '#adapters/local/folder-archive.ts';
import { LocalAuditSigner } from '#adapters/local/local-audit-signer.ts';
import { archiveKey, digestKey } from '#domain/audit-digest.ts';
import { canonicalJson } from '#domain/canonical-json.ts';
import { verifyArchive } from '#use-cases/verify-archive.ts';
import { digestAll, streamRecords, writeExport } from './archive-export-fixture.ts';

const LAYOUT = { 'service#intake': [3, 2, 4], system: [1], 'lookup#2026-12-03': [2, 2] };
const INTAKE = 'service#intake';
const verify = async (dir: string, pem: string) => verifyArchive(new FolderArchive(dir), pem);

describe('verifying an exported archive offline', () => {
  it('passes an intact export and says how far each stream is proven', async () => {
    const exported = await writeExport(LAYOUT);
    const report = await verify(exported.dir, exported.publicKeyPem);
    expect(report.intact).toBe(true);
    expect(report.firstBreak).toBeNull();
    expect(report.streams.map(({ stream, digests, records, verifiedThrough }) => ({ stream, digests, records, verifiedThrough }))).toEqual([
      { stream: 'lookup#2026-12-03', digests: 2, records: 4, verifiedThrough: 4 },
      { stream: INTAKE, digests: 3, records: 9, verifiedThrough: 9 },
      { stream: 'system', digests: 1, records: 1, verifiedThrough: 1 },
    ]);
    expect(report.streams[1]!.newestDigestTime).toBe('2026-12-03T12:00:00.000Z');
  });

  it('names a deleted newest record: its archive is not what the newest digest signed', async () => {
    const exported = await writeExport(LAYOUT);
    const newest = archiveKey(INTAKE, 6, 9);
    exported.write(newest, exported.read(newest).split('\n').slice(0, -2).join('\n').concat('\n'));
    const report = await verify(exported.dir, exported.publicKeyPem);
    expect(report.intact).toBe(false);
    expect(report.firstBreak).toMatchObject({ stream: INTAKE, kind: 'archive-hash', key: newest });
    expect(report.streams.find((s) => s.stream === INTAKE)!.verifiedThrough).toBe(5);
  });

  it('names a whole chain rewritten and re-hashed, whether its digests are kept or re-signed with another key', async () => {
    const exported = await writeExport(LAYOUT);
    const rewritten = streamRecords(INTAKE, 9, 'mallory');
    const mallory = new LocalAuditSigner({ keyFile: join(mkdtempSync(join(tmpdir(), 'mallory-')), 'key.pem') });
    const honestDigests = [3, 5, 9].map((lastSeq) => exported.read(digestKey(INTAKE, lastSeq)));
    await digestAll(INTAKE, rewritten, [3, 2, 4], mallory, (await mallory.publicKey()).keyId, exported.write);
    const resigned = await verify(exported.dir, exported.publicKeyPem);
    expect(resigned.firstBreak).toMatchObject({ stream: INTAKE, kind: 'signature', key: digestKey(INTAKE, 3) });

    for (const [i, lastSeq] of [3, 5, 9].entries()) exported.write(digestKey(INTAKE, lastSeq), honestDigests[i]!);
    const kept = await verify(exported.dir, exported.publicKeyPem);
    expect(kept.firstBreak).toMatchObject({ stream: INTAKE, kind: 'archive-hash', key: archiveKey(INTAKE, 1, 3) });
  });

  it('names a forged digest by its signature', async () => {
    const exported = await writeExport(LAYOUT);
    const key = digestKey(INTAKE, 5);
    const digest = JSON.parse(exported.read(key));
    exported.write(key, canonicalJson({ ...digest, digestTime: '2026-12-03T11:30:00.000Z' }));
    const report = await verify(exported.dir, exported.publicKeyPem);
    expect(report.firstBreak).toMatchObject({ stream: INTAKE, kind: 'signature', key, problem: 'the signature does not verify with the public key' });
    expect(report.streams.find((s) => s.stream === INTAKE)!.verifiedThrough).toBe(3);
  });

  it('names a digest removed from the middle of a stream by the records no digest covers', async () => {
    const exported = await writeExport(LAYOUT);
    exported.remove(digestKey(INTAKE, 5));
    const report = await verify(exported.dir, exported.publicKeyPem);
    expect(report.firstBreak).toMatchObject({
      stream: INTAKE,
      kind: 'missing-digest',
      key: digestKey(INTAKE, 9),
      problem: 'records 4..5 are in no digest: a digest before this one is missing',
    });
  });

  it("names a stream's newest digest removed by the archive object it leaves behind", async () => {
    const exported = await writeExport(LAYOUT);
    exported.remove(digestKey(INTAKE, 9));
    const report = await verify(exported.dir, exported.publicKeyPem);
    expect(report.intact).toBe(false);
    expect(report.firstBreak).toMatchObject({ stream: INTAKE, kind: 'undigested-archive', key: archiveKey(INTAKE, 6, 9) });
  });

  it('refuses a public key that is not P-256, before reading anything', async () => {
    const exported = await writeExport({ system: [1] });
    await expect(verify(exported.dir, 'not a key')).rejects.toMatchObject({ field: 'public-key' });
  });
});

describe('FolderArchive', () => {
  it('lists keys under a prefix in ascending order, a page at a time, and reads them', async () => {
    const exported = await writeExport({ 'service#intake': [1, 1, 1] });
    const folder = new FolderArchive(exported.dir);
    const first = await folder.list('digests/', { limit: 2 });
    expect(first).toEqual({ keys: [digestKey(INTAKE, 1), digestKey(INTAKE, 2)], more: true });
    expect(await folder.list('digests/', { limit: 2, startAfter: first.keys[1]! })).toEqual({ keys: [digestKey(INTAKE, 3)], more: false });
    expect((await folder.list('archive/service%23in', { limit: 10 })).keys).toHaveLength(3);
    expect(await folder.get(digestKey(INTAKE, 1))).toBe(exported.read(digestKey(INTAKE, 1)));
  });

  it('answers null for a key it does not hold, a folder, or a key that climbs out of the export', async () => {
    const exported = await writeExport({ system: [1] });
    const folder = new FolderArchive(exported.dir);
    expect(await folder.get('digests/system/000000000099.json')).toBeNull();
    expect(await folder.get('digests')).toBeNull();
    expect(await folder.get('../../etc/passwd')).toBeNull();
    rmSync(exported.dir, { recursive: true });
    expect(await folder.list('', { limit: 10 })).toEqual({ keys: [], more: false });
  });
});
