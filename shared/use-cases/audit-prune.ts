import { DIGEST_START, type DigestCheckpoint } from '#domain/audit-digest-check.ts';
import type { DigestMark } from '#ports/audit-digest-state.ts';
import type { DigestPorts } from './audit-digests.ts';
import { DAY_MS, digestKeys, walkDigests } from './digest-walk.ts';

export interface PruneSettings {
  /** Records stay in the table this many days (HMS_AUDIT_HOT_DAYS, 90 by default). */
  hotDays: number;
  /** Streams pruned (or refused) in one run. */
  maxStreams?: number;
  /**
   * Streams with an old record looked through to find them. Each stream keeps its newest record, so
   * an idle stream's last record stays old in the table: these are passed over without counting.
   */
  scanStreams?: number;
  shouldStop?: () => boolean;
}

export interface PruneReport {
  /** Records made before this time may leave the table. */
  before: string;
  pruned: { stream: string; throughSeq: number; records: number }[];
  /** Streams whose digests or archives did not verify: nothing of theirs was deleted. */
  refused: { stream: string; key: string; problem: string }[];
}

/**
 * The retention prune (AU-11): records leave the table only whole digest by whole digest, and only
 * once that digest's signature and chain hold and its archive object has been read back and
 * matches it, record by record. The digest must be older than the hot period (so every record in
 * it is). The stream's prune mark moves first, then the records go: a run stopped between the two
 * leaves records that the mark already passes, and the next run deletes them. The stream's newest
 * record always stays, so its next record chains on (the mark passes it; verify starts after the mark).
 */
export async function pruneAudit(ports: DigestPorts, settings: PruneSettings): Promise<PruneReport> {
  const before = new Date(ports.clock.now().getTime() - settings.hotDays * DAY_MS).toISOString();
  const report: PruneReport = { before, pruned: [], refused: [] };
  const { pem } = await ports.auditArchive.signer.publicKey();
  const { archive, digestState } = ports.auditArchive;
  const maxStreams = settings.maxStreams ?? 100;
  const streams = await digestState.streamsWithRecordsBefore(before, settings.scanStreams ?? maxStreams * 10);
  for (const stream of streams) {
    if (settings.shouldStop?.() || report.pruned.length + report.refused.length >= maxStreams) break;
    let mark = await digestState.getMark('pruned', stream);
    let records = mark ? await deleteKeepingHead(ports, stream, mark.lastSeq) : 0;
    const start: DigestCheckpoint = mark
      ? { lastSeq: mark.lastSeq, lastHash: mark.lastHash, digestHash: mark.digestHash, digestTime: mark.digestTime }
      : DIGEST_START;
    const walked = await walkDigests(archive, stream, digestKeys(archive, stream, mark?.digestKey), pem, start, {
      archives: true,
      stopAt: (digest) => digest.digestTime >= before || settings.shouldStop?.() === true,
      onDigest: async ({ key, after }) => {
        const next = { stream, digestKey: key, ...after } as DigestMark;
        await digestState.saveMark('pruned', next, mark?.lastSeq ?? null);
        records += await deleteKeepingHead(ports, stream, next.lastSeq);
        mark = next;
      },
    });
    if (walked.break) report.refused.push({ stream: walked.break.stream, key: walked.break.key, problem: walked.break.problem });
    if (mark && records > 0) report.pruned.push({ stream, throughSeq: mark.lastSeq, records });
  }
  return report;
}

/**
 * Deletes the stream's records through `throughSeq`, but never its newest record: the audit log
 * chains the next append to the stream's newest record, so a stream emptied would restart at seq 1
 * from the genesis hash. Records are only ever appended, so a record after `throughSeq`, once seen,
 * stays the stream's head or behind it.
 */
async function deleteKeepingHead(ports: DigestPorts, stream: string, throughSeq: number): Promise<number> {
  const after = await ports.audit.readChain(stream, throughSeq, 1);
  const keepsHead = after.records.length > 0 || after.unreadable !== undefined;
  return ports.auditArchive.digestState.deleteRecordsThrough(stream, keepsHead ? throughSeq : throughSeq - 1);
}
