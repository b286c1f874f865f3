import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditEntry, type AuditRecord, chainEntry } from '#domain/audit.ts';
import {
  type AuditDigest,
  archiveBody,
  archiveKey,
  buildDigest,
  DigestFormatError,
  DigestInputError,
  digestHash,
  digestKey,
  digestSigningInput,
  parseDigest,
  publicKeyKey,
  sha256Hex,
  type UnsignedDigest,
  verifyDigestSignature,
} from '#domain/audit-digest.ts';
import { checkStreamDigests, type StoredDigest } from '#domain/audit-digest-check.ts';
import { canonicalJson } from '#domain/canonical-json.ts';

const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const STREAM = 'service#orders';

const entry = (n: number): AuditEntry => ({
  time: `2026-12-03T10:00:${String(n % 60).padStart(2, '0')}.000Z`,
  actor: 'dev',
  action: 'rule.update',
  target: `rule/AR-${n}`,
  before: null,
  after: { n },
  outcome: 'success',
  reasons: [],
  requestId: `r${n}`,
  service: 'orders',
});

function records(count: number): AuditRecord[] {
  const chain: AuditRecord[] = [];
  for (let n = 1; n <= count; n += 1) chain.push(chainEntry(entry(n), STREAM, chain.at(-1) ?? null));
  return chain;
}

const signWith = (unsigned: UnsignedDigest, key = keys.privateKey): AuditDigest => ({
  ...unsigned,
  signature: sign('sha256', digestSigningInput(unsigned), { key, dsaEncoding: 'der' }).toString('base64'),
});

/** A stream of 9 records digested in three runs (1-3, 4-6, 7-9), as stored. */
function storedStream(chain = records(9)): StoredDigest[] {
  const stored: StoredDigest[] = [];
  let previous: AuditDigest | null = null;
  for (const [first, last] of [
    [1, 3],
    [4, 6],
    [7, 9],
  ] as const) {
    const batch = chain.slice(first - 1, last);
    const unsigned = buildDigest({
      stream: STREAM,
      records: batch,
      previous,
      digestTime: `2026-12-03T1${first}:00:00.000Z`,
      archiveKey: archiveKey(STREAM, first, last),
      keyId: 'test-key',
    });
    previous = signWith(unsigned);
    stored.push({ key: digestKey(STREAM, last), text: canonicalJson(previous), archive: archiveBody(batch) });
  }
  return stored;
}

describe('audit digest layout', () => {
  it('names objects as the format document says, stream and key id encoded', () => {
    expect(digestKey('service#orders', 42)).toBe('digests/service%23orders/000000000042.json');
    expect(archiveKey('lookup#2026-12-03', 1, 42)).toBe('archive/lookup%232026-12-03/000000000001-000000000042.jsonl');
    expect(publicKeyKey('arn:aws:kms:us-east-1:1:key/k')).toBe('keys/arn%3Aaws%3Akms%3Aus-east-1%3A1%3Akey%2Fk.pem');
  });

  it("lists a stream's digests in sequence order when keys sort as text", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999_999 }), fc.integer({ min: 1, max: 999_999_999_999 }), (a, b) => {
        return digestKey(STREAM, a) < digestKey(STREAM, b) === a < b;
      }),
    );
  });

  it('writes an archive as one canonical JSON line per record, each ending in a newline', () => {
    const chain = records(2);
    expect(archiveBody(chain)).toBe(`${canonicalJson(chain[0])}\n${canonicalJson(chain[1])}\n`);
  });
});

describe('building and signing a digest', () => {
  it('describes its records and links to the digest before', () => {
    const [first, second] = storedStream().map((item) => parseDigest(item.text));
    expect(first).toMatchObject({ version: 1, stream: STREAM, firstSeq: 1, lastSeq: 3, recordCount: 3, previousDigestHash: null });
    expect(second!.previousDigestHash).toBe(digestHash(first!));
    expect(second!.firstHash).toBe(records(9)[3]!.hash);
    expect(second!.archiveSha256).toBe(sha256Hex(archiveBody(records(9).slice(3, 6))));
  });

  it('refuses records that do not continue the previous digest, are empty or are of another stream', () => {
    const chain = records(6);
    const base = { stream: STREAM, previous: null, digestTime: '2026-12-03T10:00:00Z', archiveKey: 'a', keyId: 'k' };
    expect(() => buildDigest({ ...base, records: [] })).toThrow(DigestInputError);
    expect(() => buildDigest({ ...base, records: chain.slice(1) })).toThrow(/expected seq 1/);
    expect(() => buildDigest({ ...base, stream: 'system', records: chain })).toThrow(/belongs to service#orders/);
  });

  it('signs every field but the signature, so any changed field fails the signature', () => {
    const digest = parseDigest(storedStream()[0]!.text);
    expect(new TextDecoder().decode(digestSigningInput(digest))).not.toContain('signature');
    expect(verifyDigestSignature(digest, publicPem)).toBe(true);
    expect(verifyDigestSignature({ ...digest, recordCount: 4, lastSeq: 4 }, publicPem)).toBe(false);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyDigestSignature(digest, other)).toBe(false);
  });

  it('parses only a whole version 1 digest, naming what is wrong', () => {
    const digest = parseDigest(storedStream()[0]!.text);
    const { keyId: _gone, ...missing } = digest;
    expect(() => parseDigest(JSON.stringify(missing))).toThrow('the digest has no keyId');
    expect(() => parseDigest(JSON.stringify({ ...digest, extra: 1 }))).toThrow('the digest has an unknown field extra');
    expect(() => parseDigest(JSON.stringify({ ...digest, version: 2 }))).toThrow("the digest's version is malformed");
    expect(() => parseDigest(JSON.stringify({ ...digest, recordCount: 2 }))).toThrow(DigestFormatError);
    expect(() => parseDigest('not json')).toThrow('the digest is not JSON');
  });
});

describe("checking a stream's digests", () => {
  it('passes an intact stream', () => {
    const checked = checkStreamDigests(STREAM, storedStream(), publicPem);
    expect(checked.break).toBeNull();
    expect(checked.checkpoint.lastSeq).toBe(9);
    expect(checked.digests).toBe(3);
  });

  it('names a deleted newest record: the archive is not what the digest signed', () => {
    const stored = storedStream();
    stored[2]!.archive = archiveBody(records(9).slice(6, 8));
    expect(checkStreamDigests(STREAM, stored, publicPem).break).toMatchObject({ kind: 'archive-hash', key: archiveKey(STREAM, 7, 9) });
  });

  it('names a rewritten, re-hashed chain, and its re-made digests, by their signature', () => {
    const chain: AuditRecord[] = [];
    for (let n = 1; n <= 9; n += 1) chain.push(chainEntry({ ...entry(n), actor: 'mallory' }, STREAM, chain.at(-1) ?? null));
    const archivesSwapped = storedStream().map((item, i) => ({ ...item, archive: storedStream(chain)[i]!.archive }));
    expect(checkStreamDigests(STREAM, archivesSwapped, publicPem).break).toMatchObject({ kind: 'archive-hash', key: archiveKey(STREAM, 1, 3) });
    const mallory = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const resigned = storedStream(chain).map((item) => {
      const digest = parseDigest(item.text);
      return { ...item, text: canonicalJson(signWith(digest, mallory)) };
    });
    expect(checkStreamDigests(STREAM, resigned, publicPem).break).toMatchObject({ kind: 'signature', key: digestKey(STREAM, 3) });
  });

  it('names a removed digest by the records no digest covers', () => {
    const stored = storedStream();
    stored.splice(1, 1);
    expect(checkStreamDigests(STREAM, stored, publicPem).break).toMatchObject({
      kind: 'missing-digest',
      key: digestKey(STREAM, 9),
      problem: 'records 4..6 are in no digest: a digest before this one is missing',
    });
  });

  it('names a digest stored under another range, and one whose previous-digest link is wrong', () => {
    const moved = storedStream();
    moved[1]!.key = digestKey(STREAM, 7);
    expect(checkStreamDigests(STREAM, moved, publicPem).break?.kind).toBe('misplaced');
    const relinked = storedStream();
    const digest = parseDigest(relinked[1]!.text);
    relinked[1]!.text = canonicalJson(signWith({ ...digest, previousDigestHash: '0'.repeat(64) }));
    expect(checkStreamDigests(STREAM, relinked, publicPem).break).toMatchObject({ kind: 'previous-digest', key: digestKey(STREAM, 6) });
  });

  it('names an edited record inside an archive that was signed as edited, by its seq', () => {
    const chain = records(9);
    chain[4] = { ...chain[4]!, actor: 'mallory' };
    const stored = storedStream(records(9)).slice(0, 1);
    const digest = buildDigest({
      stream: STREAM,
      records: records(9).slice(3, 6),
      previous: parseDigest(stored[0]!.text),
      digestTime: '2026-12-03T14:00:00Z',
      archiveKey: archiveKey(STREAM, 4, 6),
      keyId: 'test-key',
    });
    const forgedArchive = archiveBody(chain.slice(3, 6));
    const signed = signWith({ ...digest, archiveSha256: sha256Hex(forgedArchive) });
    stored.push({ key: digestKey(STREAM, 6), text: canonicalJson(signed), archive: forgedArchive });
    expect(checkStreamDigests(STREAM, stored, publicPem).break).toMatchObject({ kind: 'records', seq: 5, problem: 'hash does not match the record' });
  });
});
