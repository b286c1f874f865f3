import type { ChainBreak, ChainPosition } from '#domain/audit.ts';
import { type AuditDigest, digestHash, digestKey, parseDigest, verifyDigestSignature } from '#domain/audit-digest.ts';
import { checkpointAfter, DIGEST_START, type DigestBreak } from '#domain/audit-digest-check.ts';
import type { AuditArchivePorts, DigestMark } from '#ports/audit-digest-state.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { Clock } from '#ports/clock.ts';
import { StaleVersionError } from '#ports/errors.ts';
import { digestKeys, lastOf, walkDigests } from './digest-walk.ts';

export type DigestVerifyPorts = { audit: AuditLog; clock: Clock; auditArchive: AuditArchivePorts };

/** What verify found in a stream's signed digests. */
export interface DigestVerifyReport {
  /** Digests checked by this call, after the stored digest checkpoint (once the digest it names is confirmed). */
  checked: number;
  /** The newest digest that holds: its key and the last record it covers. */
  newest: { key: string; lastSeq: number; digestTime: string } | null;
  /** The first digest that does not hold (signature, chain, place), or null. */
  firstBreak: DigestBreak | null;
  /** True when the walk reached the stream's newest digest (else the next call goes on). */
  complete: boolean;
  /** The table's records are pruned through this seq (AU-11); the chain is checked from there. */
  prunedThrough: number;
}

/**
 * Walks the stream's digests in the archive, each well formed, in its place, signed by the key the
 * signer publishes (never a key read from the bucket) and chained to the one before. The stored
 * 'verified' mark is only a hint of where to start: the digest it names must be in the bucket and
 * hash to the mark's digestHash, or that is the break (any role that may write the table could
 * forge a mark). The walk starts after it, and `newest` is always the bucket's last digest, listed
 * through even when the time runs out first.
 */
export async function verifyDigestChain(
  ports: DigestVerifyPorts,
  stream: string,
  shouldStop: () => boolean,
): Promise<{ report: DigestVerifyReport; newestMark: DigestMark | null }> {
  const { archive, signer, digestState } = ports.auditArchive;
  const { pem } = await signer.publicKey();
  const stored = await digestState.getMark('verified', stream);
  const report: DigestVerifyReport = { checked: 0, newest: null, firstBreak: null, complete: false, prunedThrough: 0 };
  const hinted = stored ? await confirmMark(archive, stored, pem) : { digest: null, broken: null };
  if (hinted.broken) return { report: { ...report, firstBreak: hinted.broken, complete: true }, newestMark: null };
  const start = hinted.digest ? checkpointAfter(hinted.digest) : DIGEST_START;
  const walked = await walkDigests(archive, stream, digestKeys(archive, stream, stored?.digestKey), pem, start, {
    archives: false,
    shouldStop,
    onDigest: () => {
      report.checked += 1;
    },
  });
  report.firstBreak = walked.break;
  report.complete = walked.complete;
  const verifiedKey = walked.lastKey ?? stored?.digestKey;
  const verified = verifiedKey === undefined ? null : ({ stream, digestKey: verifiedKey, ...walked.checkpoint } as DigestMark);
  if (verified && verified.lastSeq !== stored?.lastSeq) {
    try {
      await digestState.saveMark('verified', verified, stored?.lastSeq ?? null);
    } catch (err) {
      if (!(err instanceof StaleVersionError)) throw err;
    }
  }
  let newestMark = verified;
  if (!walked.complete && !walked.break) {
    // Stopped for time: the bucket's last digest is still the newest, to check the table against.
    const lastKey = await lastOf(digestKeys(archive, stream, verifiedKey, 1000));
    if (lastKey !== undefined && lastKey !== verifiedKey) {
      const newest = await signedDigestAt(archive, stream, lastKey, pem);
      if ('broken' in newest) report.firstBreak = newest.broken;
      else newestMark = { stream, digestKey: lastKey, ...checkpointAfter(newest.digest) } as DigestMark;
    }
  }
  if (newestMark) report.newest = { key: newestMark.digestKey, lastSeq: newestMark.lastSeq, digestTime: newestMark.digestTime };
  return { report, newestMark };
}

/** The digest a stored mark names must be in the bucket, signed, and be the one the mark hashed. */
async function confirmMark(
  archive: AuditArchivePorts['archive'],
  mark: DigestMark,
  pem: string,
): Promise<{ digest: AuditDigest | null; broken: DigestBreak | null }> {
  const found = await signedDigestAt(archive, mark.stream, mark.digestKey, pem);
  if ('broken' in found) return { digest: null, broken: { ...found.broken, problem: `the stored verify checkpoint names it, but ${found.broken.problem}` } };
  if (digestHash(found.digest) !== mark.digestHash || found.digest.lastSeq !== mark.lastSeq || found.digest.lastHash !== mark.lastHash) {
    return {
      digest: null,
      broken: { stream: mark.stream, key: mark.digestKey, kind: 'checkpoint', problem: 'the stored verify checkpoint does not match the digest it names' },
    };
  }
  return { digest: found.digest, broken: null };
}

/** The digest at `key`: present, well formed, in its place and signed by the published key. */
async function signedDigestAt(
  archive: AuditArchivePorts['archive'],
  stream: string,
  key: string,
  pem: string,
): Promise<{ digest: AuditDigest } | { broken: DigestBreak }> {
  const text = await archive.get(key);
  if (text === null) return { broken: { stream, key, kind: 'missing-digest', problem: 'the digest is not in the archive' } };
  let digest: AuditDigest;
  try {
    digest = parseDigest(text);
  } catch (err) {
    return { broken: { stream, key, kind: 'format', problem: err instanceof Error ? err.message : String(err) } };
  }
  if (digest.stream !== stream || digestKey(stream, digest.lastSeq) !== key)
    return { broken: { stream, key, kind: 'misplaced', problem: 'the digest is not the one this key holds' } };
  if (!verifyDigestSignature(digest, pem)) return { broken: { stream, key, kind: 'signature', problem: 'the signature does not verify with the public key' } };
  return { digest };
}

/**
 * Where a stream's records start in the table once pruned: after the prune mark, which must be
 * the end of a digest that holds (signed by the published key); a mark no signed digest backs is a break.
 */
export async function prunedStart(ports: DigestVerifyPorts, stream: string): Promise<{ position: ChainPosition | null; broken: ChainBreak | null }> {
  const mark = await ports.auditArchive.digestState.getMark('pruned', stream);
  if (!mark) return { position: null, broken: null };
  const text = await ports.auditArchive.archive.get(mark.digestKey);
  const { pem } = await ports.auditArchive.signer.publicKey();
  let backed = false;
  try {
    const digest = text === null ? null : parseDigest(text);
    backed =
      digest !== null && digest.stream === stream && digest.lastSeq === mark.lastSeq && digest.lastHash === mark.lastHash && verifyDigestSignature(digest, pem);
  } catch {
    backed = false;
  }
  if (!backed)
    return {
      position: null,
      broken: { seq: mark.lastSeq, problem: `the prune mark names ${mark.digestKey}, which is not a signed digest ending at this record` },
    };
  // The prune keeps each stream's newest record, so the table holds a record at or after the mark;
  // none means that record was deleted, and the stream's next append started a new chain at seq 1.
  const kept = await ports.audit.readChain(stream, mark.lastSeq - 1, 1);
  if (kept.records.length === 0 && !kept.unreadable) {
    return {
      position: null,
      broken: { seq: mark.lastSeq, problem: 'the record is missing: the prune keeps a stream’s newest record, and no record at or after its mark is left' },
    };
  }
  return { position: { seq: mark.lastSeq, hash: mark.lastHash }, broken: null };
}

/**
 * The table must still hold the last record the newest digest covers, with the hash it signed:
 * so deleting the newest records, or rewriting a whole chain, shows. A record the prune removed
 * is covered by its prune mark instead.
 */
export async function checkNewestDigestRecord(ports: DigestVerifyPorts, newest: DigestMark, prunedThrough: number): Promise<ChainBreak | null> {
  if (newest.lastSeq <= prunedThrough) return null;
  const page = await ports.audit.readChain(newest.stream, newest.lastSeq - 1, 1);
  const record = page.records[0];
  if (page.unreadable?.seq === newest.lastSeq) return page.unreadable;
  if (!record || record.seq !== newest.lastSeq) {
    return { seq: newest.lastSeq, problem: `the record is missing, though the newest digest (${newest.digestKey}) covers records through ${newest.lastSeq}` };
  }
  if (record.hash !== newest.lastHash) return { seq: newest.lastSeq, problem: `the record is not the one the newest digest (${newest.digestKey}) signed` };
  return null;
}

/**
 * How old a record may be with no digest covering it: the hourly run signs a record within the hour
 * and looks back two hours (audit-digests.ts), so one older than three hours was hidden from the
 * runs (its time-index key stripped) or its digests were deleted, and verify says so.
 */
export const UNDIGESTED_LIMIT_MS = 3 * 60 * 60 * 1000;

/** The first record after the newest digest (or the prune) must be younger than UNDIGESTED_LIMIT_MS. */
export async function checkUndigested(ports: DigestVerifyPorts, stream: string, coveredThrough: number): Promise<ChainBreak | null> {
  const { records } = await ports.audit.readChain(stream, coveredThrough, 1);
  const first = records[0];
  if (!first) return null;
  const age = ports.clock.now().getTime() - Date.parse(first.time);
  if (!(age > UNDIGESTED_LIMIT_MS)) return null;
  return {
    seq: first.seq,
    problem: `no signed digest covers this record, written ${first.time}, over ${UNDIGESTED_LIMIT_MS / 3_600_000} hours ago: the hourly digest run would have signed it, so the stream was hidden from the runs or its digests were deleted`,
  };
}

/** A digest break as a chain break: the record it shows at, or the first record after the last digest that held. */
export function asChainBreak(broken: DigestBreak, after: number): ChainBreak {
  return { seq: broken.seq ?? after + 1, problem: `${broken.key}: ${broken.problem}` };
}
