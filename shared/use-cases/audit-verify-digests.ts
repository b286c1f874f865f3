import type { ChainBreak, ChainPosition } from '#domain/audit.ts';
import { DIGEST_PREFIX, parseDigest, verifyDigestSignature } from '#domain/audit-digest.ts';
import { checkDigest, checkpointAfter, DIGEST_START, type DigestBreak, type DigestCheckpoint } from '#domain/audit-digest-check.ts';
import type { AuditArchivePorts, DigestMark } from '#ports/audit-digest-state.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { Clock } from '#ports/clock.ts';
import { StaleVersionError } from '#ports/errors.ts';

export type DigestVerifyPorts = { audit: AuditLog; clock: Clock; auditArchive: AuditArchivePorts };

/** What verify found in a stream's signed digests. */
export interface DigestVerifyReport {
  /** Digests checked by this call, after the stored digest checkpoint. */
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

const PAGE = 100;

/**
 * Walks the stream's digests in the archive after the stored digest checkpoint: each must be well
 * formed, in its place, signed by the key the signer publishes (never a key read from the bucket)
 * and chained to the one before. The checkpoint moves on as far as they hold.
 */
export async function verifyDigestChain(
  ports: DigestVerifyPorts,
  stream: string,
  shouldStop: () => boolean,
): Promise<{ report: DigestVerifyReport; newestMark: DigestMark | null }> {
  const { archive, signer, digestState } = ports.auditArchive;
  const { pem } = await signer.publicKey();
  const stored = await digestState.getMark('verified', stream);
  let mark = stored;
  let checkpoint: DigestCheckpoint = mark ? markCheckpoint(mark) : DIGEST_START;
  const report: DigestVerifyReport = { checked: 0, newest: null, firstBreak: null, complete: false, prunedThrough: 0 };
  const prefix = `${DIGEST_PREFIX}${encodeURIComponent(stream)}/`;
  walk: for (let startAfter = mark?.digestKey; ; ) {
    const page = await archive.list(prefix, { limit: PAGE, ...(startAfter ? { startAfter } : {}) });
    for (const key of page.keys) {
      if (shouldStop()) break walk;
      const text = await archive.get(key);
      const checked = text === null ? null : checkDigest(stream, key, text, pem, checkpoint);
      if (!checked?.ok) {
        report.firstBreak = checked ? checked.break : { stream, key, kind: 'missing-digest', problem: 'the digest was listed but cannot be read' };
        break walk;
      }
      checkpoint = checkpointAfter(checked.digest);
      mark = { stream, digestKey: key, ...checkpoint } as DigestMark;
      report.checked += 1;
      startAfter = key;
    }
    if (!page.more) {
      report.complete = true;
      break;
    }
  }
  if (mark) report.newest = { key: mark.digestKey, lastSeq: mark.lastSeq, digestTime: mark.digestTime };
  if (mark && mark.lastSeq !== stored?.lastSeq) {
    try {
      await digestState.saveMark('verified', mark, stored?.lastSeq ?? null);
    } catch (err) {
      if (!(err instanceof StaleVersionError)) throw err;
    }
  }
  return { report, newestMark: mark };
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

/** A digest break as a chain break: the record it shows at, or the first record after the last digest that held. */
export function asChainBreak(broken: DigestBreak, after: number): ChainBreak {
  return { seq: broken.seq ?? after + 1, problem: `${broken.key}: ${broken.problem}` };
}

const markCheckpoint = (mark: DigestMark): DigestCheckpoint => ({
  lastSeq: mark.lastSeq,
  lastHash: mark.lastHash,
  digestHash: mark.digestHash,
  digestTime: mark.digestTime,
});
