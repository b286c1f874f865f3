import type { KeyObject } from 'node:crypto';
import { type AuditRecord, GENESIS_HASH, verifyChainFrom } from './audit.ts';
import { type AuditDigest, DigestFormatError, digestHash, digestKey, parseDigest, sha256Hex, verifyDigestSignature } from './audit-digest.ts';

/**
 * Checking one stream's digests in order, and each digest's archive: the verification algorithm
 * of docs/audit-format.md, one digest at a time, so a caller can page and resume from a checkpoint.
 */

/** What kind of break: each names a different tampering (docs/audit-format.md, "Verification"). */
export type DigestBreakKind =
  | 'format' // not a well-formed version 1 digest
  | 'misplaced' // the digest is stored under another stream's or another range's key
  | 'signature' // the signature does not verify with the public key
  | 'missing-digest' // a digest is missing before this one (its range does not follow on)
  | 'sequence' // the range overlaps or goes back, or the time goes back
  | 'previous-digest' // previousDigestHash is not the hash of the digest before
  | 'archive-missing' // the archive object the digest names is absent
  | 'archive-hash' // the archive's bytes are not those the digest signed
  | 'records' // the archive's records do not form the chain the digest describes
  | 'undigested-archive' // an archive object no digest covers
  | 'checkpoint'; // a stored verify checkpoint (online verify only) that names no digest it matches

export interface DigestBreak {
  stream: string;
  /** The object where the break shows: a digest's key, or an archive's. */
  key: string;
  kind: DigestBreakKind;
  problem: string;
  /** The record where the break shows, when it is one record. */
  seq?: number;
}

/** Where a stream's verification stands after a digest: its last record and the digest's own hash. */
export interface DigestCheckpoint {
  lastSeq: number;
  lastHash: string;
  /** digestHash of the last digest checked; null before the first. */
  digestHash: string | null;
  digestTime: string | null;
}

/** Before a stream's first digest. */
export const DIGEST_START: DigestCheckpoint = { lastSeq: 0, lastHash: GENESIS_HASH, digestHash: null, digestTime: null };

export function checkpointAfter(digest: AuditDigest): DigestCheckpoint {
  return { lastSeq: digest.lastSeq, lastHash: digest.lastHash, digestHash: digestHash(digest), digestTime: digest.digestTime };
}

export type DigestCheck = { ok: true; digest: AuditDigest } | { ok: false; break: DigestBreak };

/** Checks the digest object stored at `key` as the next of `stream` after `after`: its form, place, signature and link. */
export function checkDigest(stream: string, key: string, text: string, publicKey: string | KeyObject, after: DigestCheckpoint): DigestCheck {
  const fail = (kind: DigestBreakKind, problem: string): DigestCheck => ({ ok: false, break: { stream, key, kind, problem } });
  let digest: AuditDigest;
  try {
    digest = parseDigest(text);
  } catch (error) {
    if (error instanceof DigestFormatError) return fail('format', error.message);
    throw error;
  }
  if (digest.stream !== stream) return fail('misplaced', `the digest is of stream ${digest.stream}, stored under ${stream}`);
  if (key !== digestKey(stream, digest.lastSeq))
    return fail('misplaced', `a digest ending at seq ${digest.lastSeq} belongs at ${digestKey(stream, digest.lastSeq)}`);
  if (!verifyDigestSignature(digest, publicKey)) return fail('signature', 'the signature does not verify with the public key');
  const expected = after.lastSeq + 1;
  if (digest.firstSeq > expected) {
    return fail('missing-digest', `records ${expected}..${digest.firstSeq - 1} are in no digest: a digest before this one is missing`);
  }
  if (digest.firstSeq < expected) return fail('sequence', `the digest starts at seq ${digest.firstSeq}, but the previous digest ended at ${after.lastSeq}`);
  if (digest.previousDigestHash !== after.digestHash) {
    return fail(
      'previous-digest',
      after.digestHash === null ? 'the first digest names a previous digest' : 'previousDigestHash is not the hash of the previous digest',
    );
  }
  if (after.digestTime !== null && Date.parse(digest.digestTime) < Date.parse(after.digestTime)) {
    return fail('sequence', 'the digest is dated before the previous digest');
  }
  return { ok: true, digest };
}

/** Checks an archive body (null: absent) against its signed digest: the bytes, then the records' own chain after `after`. */
export function checkArchive(digest: AuditDigest, body: string | null, after: DigestCheckpoint): DigestBreak | null {
  const fail = (kind: DigestBreakKind, problem: string, seq?: number): DigestBreak => ({
    stream: digest.stream,
    key: digest.archiveKey,
    kind,
    problem,
    ...(seq === undefined ? {} : { seq }),
  });
  if (body === null) return fail('archive-missing', 'the archive object the digest names is missing');
  if (sha256Hex(body) !== digest.archiveSha256) return fail('archive-hash', "the archive's SHA-256 is not the one the digest signed");
  const records = parseArchive(body);
  if (!records) return fail('records', 'the archive is not JSON Lines of records');
  if (records.length !== digest.recordCount) return fail('records', `the archive holds ${records.length} records, the digest ${digest.recordCount}`);
  const foreign = records.find((record) => record.stream !== digest.stream);
  if (foreign) return fail('records', `record ${foreign.seq} is of stream ${foreign.stream}`, foreign.seq);
  let broken: ReturnType<typeof verifyChainFrom>;
  try {
    broken = verifyChainFrom(records, { seq: after.lastSeq, hash: after.lastHash });
  } catch {
    broken = { seq: digest.firstSeq, problem: 'a record cannot be put in canonical JSON' };
  }
  if (broken) return fail('records', broken.problem, broken.seq);
  if (records[0]?.hash !== digest.firstHash) return fail('records', 'the first record is not the one the digest names', digest.firstSeq);
  if (records.at(-1)?.hash !== digest.lastHash) return fail('records', 'the last record is not the one the digest names', digest.lastSeq);
  return null;
}

/** The records of an archive body, or null when a line is not a JSON object or the body does not end in a newline. */
export function parseArchive(body: string): AuditRecord[] | null {
  if (!body.endsWith('\n')) return null;
  const records: AuditRecord[] = [];
  for (const line of body.slice(0, -1).split('\n')) {
    try {
      const record: unknown = JSON.parse(line);
      if (record === null || typeof record !== 'object' || Array.isArray(record)) return null;
      records.push(record as AuditRecord);
    } catch {
      return null;
    }
  }
  return records;
}

export interface StoredDigest {
  key: string;
  text: string;
  /** The body of the archive object the digest names, or null when absent. */
  archive: string | null;
}

export interface StreamCheck {
  /** The first break, or null when every digest and archive checked holds. */
  break: DigestBreak | null;
  /** After the last digest that held. */
  checkpoint: DigestCheckpoint;
  digests: number;
}

/** Checks a stream's digests, oldest first, each with its archive, from `start`; stops at the first break. */
export function checkStreamDigests(stream: string, stored: StoredDigest[], publicKey: string | KeyObject, start = DIGEST_START): StreamCheck {
  let checkpoint = start;
  let digests = 0;
  for (const item of stored) {
    const checked = checkDigest(stream, item.key, item.text, publicKey, checkpoint);
    if (!checked.ok) return { break: checked.break, checkpoint, digests };
    const broken = checkArchive(checked.digest, item.archive, checkpoint);
    if (broken) return { break: broken, checkpoint, digests };
    checkpoint = checkpointAfter(checked.digest);
    digests += 1;
  }
  return { break: null, checkpoint, digests };
}
