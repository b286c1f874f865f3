import { DIGEST_PREFIX, digestKey } from '#domain/audit-digest.ts';
import { checkArchive, checkDigest, checkpointAfter, DIGEST_START, type DigestCheckpoint } from '#domain/audit-digest-check.ts';
import type { DigestMark } from '#ports/audit-digest-state.ts';
import type { DigestPorts } from './audit-digests.ts';

export interface PruneSettings {
  /** Records stay in the table this many days (HMS_AUDIT_HOT_DAYS, 90 by default). */
  hotDays: number;
  /** Streams looked at in one run. */
  maxStreams?: number;
  shouldStop?: () => boolean;
}

export interface PruneReport {
  /** Records made before this time may leave the table. */
  before: string;
  pruned: { stream: string; throughSeq: number; records: number }[];
  /** Streams whose digests or archives did not verify: nothing of theirs was deleted. */
  refused: { stream: string; key: string; problem: string }[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The retention prune (AU-11): records leave the table only whole digest by whole digest, and only
 * once that digest's signature and chain hold and its archive object has been read back and
 * matches it, record by record. The digest must be older than the hot period (so every record in
 * it is). The stream's prune mark moves first, then the records go: a run stopped between the two
 * leaves records that the mark already passes, and the next run deletes them.
 */
export async function pruneAudit(ports: DigestPorts, settings: PruneSettings): Promise<PruneReport> {
  const before = new Date(ports.clock.now().getTime() - settings.hotDays * DAY_MS).toISOString();
  const report: PruneReport = { before, pruned: [], refused: [] };
  const { pem } = await ports.auditArchive.signer.publicKey();
  const streams = await ports.auditArchive.digestState.streamsWithRecordsBefore(before, settings.maxStreams ?? 100);
  for (const stream of streams) {
    if (settings.shouldStop?.()) break;
    let mark = await ports.auditArchive.digestState.getMark('pruned', stream);
    let checkpoint: DigestCheckpoint = mark
      ? { lastSeq: mark.lastSeq, lastHash: mark.lastHash, digestHash: mark.digestHash, digestTime: mark.digestTime }
      : DIGEST_START;
    let records = mark ? await ports.auditArchive.digestState.deleteRecordsThrough(stream, mark.lastSeq) : 0;
    const prefix = `${DIGEST_PREFIX}${encodeURIComponent(stream)}/`;
    let startAfter = mark?.digestKey;
    walk: for (;;) {
      const page = await ports.auditArchive.archive.list(prefix, { limit: 100, ...(startAfter ? { startAfter } : {}) });
      for (const key of page.keys) {
        const text = await ports.auditArchive.archive.get(key);
        const checked = text === null ? null : checkDigest(stream, key, text, pem, checkpoint);
        if (!checked?.ok) {
          report.refused.push({ stream, key, problem: checked ? checked.break.problem : 'the digest vanished while it was read' });
          break walk;
        }
        const digest = checked.digest;
        if (digest.digestTime >= before || settings.shouldStop?.()) break walk;
        const broken = checkArchive(digest, await ports.auditArchive.archive.get(digest.archiveKey), checkpoint);
        if (broken) {
          report.refused.push({ stream, key: broken.key, problem: broken.problem });
          break walk;
        }
        const next: DigestMark = { stream, digestKey: digestKey(stream, digest.lastSeq), ...checkpointAfter(digest) } as DigestMark;
        await ports.auditArchive.digestState.saveMark('pruned', next, mark?.lastSeq ?? null);
        records += await ports.auditArchive.digestState.deleteRecordsThrough(stream, digest.lastSeq);
        mark = next;
        checkpoint = checkpointAfter(digest);
        startAfter = key;
      }
      if (!page.more) break;
    }
    if (mark && records > 0) report.pruned.push({ stream, throughSeq: mark.lastSeq, records });
  }
  return report;
}
