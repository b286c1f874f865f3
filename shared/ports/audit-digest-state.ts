import type { AuditDigest } from '#domain/audit-digest.ts';
import type { ArchiveStore } from './archive-store.ts';
import type { AuditSigner } from './audit-signer.ts';

/**
 * A position in a stream's digest chain: after the digest at `digestKey`, which ends at record
 * `lastSeq` (hash `lastHash`) and itself hashes to `digestHash`. Two kinds are kept per stream:
 * 'pruned' (the table holds no record through lastSeq) and 'verified' (verify's digest checkpoint).
 */
export interface DigestMark {
  stream: string;
  digestKey: string;
  lastSeq: number;
  lastHash: string;
  digestHash: string;
  digestTime: string;
}

export type DigestMarkKind = 'pruned' | 'verified';

/**
 * What the digest and prune runs keep beside the chains, in the audit table: each stream's newest
 * digest (the head the next digest chains to), the last run's time, and each stream's marks. Any
 * role that may write the audit table can write these items, so verify takes none on trust: a
 * 'verified' mark is only where to start, and only once the digest it names is read from the
 * archive, signed, and hashes to the mark's digestHash; a 'pruned' mark must end at a signed digest
 * in the archive (audit-verify-digests.ts). The newest digest is always listed from the archive.
 */
export interface AuditDigestState {
  /** Streams with a record whose time is at or after `since` (ISO), found through the time index. */
  changedStreams(since: string): Promise<string[]>;
  /** Up to `limit` streams with a record whose time is before `before`: candidates for the prune. */
  streamsWithRecordsBefore(before: string, limit: number): Promise<string[]>;
  /** The stream's newest digest, signed, or null before its first. */
  getHead(stream: string): Promise<AuditDigest | null>;
  /** Stores the stream's newest digest if the stored head still ends at `expectedLastSeq` (null: none); else a StaleVersionError. */
  saveHead(digest: AuditDigest, expectedLastSeq: number | null): Promise<void>;
  /** When the last digest run started, or null before the first. */
  getLastRun(): Promise<string | null>;
  saveLastRun(time: string): Promise<void>;
  /** Streams the last run could not digest, to be tried again by the next whatever their records' time. */
  getRetryStreams(): Promise<string[]>;
  saveRetryStreams(streams: string[]): Promise<void>;
  getMark(kind: DigestMarkKind, stream: string): Promise<DigestMark | null>;
  /** Stores the mark if the stored one is still at lastSeq `expectedSeq` (null: none); else a StaleVersionError. */
  saveMark(kind: DigestMarkKind, mark: DigestMark, expectedSeq: number | null): Promise<void>;
  /** Deletes the stream's records with seq <= throughSeq that are still there; returns how many. */
  deleteRecordsThrough(stream: string, throughSeq: number): Promise<number>;
}

/** What the digest run and the online verify need besides the audit log: the archive bucket, the signing key and the digest state. */
export interface AuditArchivePorts {
  archive: ArchiveStore;
  signer: AuditSigner;
  digestState: AuditDigestState;
}
