import type { AuditDigest } from '#domain/audit-digest.ts';

/** How far a stream has been pruned from the table: every record through `throughSeq`, the last record of the digest at `digestKey`. */
export interface PruneMark {
  stream: string;
  throughSeq: number;
  /** The hash of record throughSeq: the signed digest's lastHash. */
  hash: string;
  digestKey: string;
}

/**
 * What the digest and prune runs keep beside the chains, in the audit table: each stream's newest
 * digest (the head the next digest chains to), the last run's time, and each stream's prune mark.
 * None of it is trusted by verify, which reads the digests from the archive and checks them.
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
  getPruneMark(stream: string): Promise<PruneMark | null>;
  /** Stores the mark if the stored one is still at `expectedSeq` (null: none); else a StaleVersionError. */
  savePruneMark(mark: PruneMark, expectedSeq: number | null): Promise<void>;
  /** Deletes the stream's records with seq <= throughSeq that are still there; returns how many. */
  deleteRecordsThrough(stream: string, throughSeq: number): Promise<number>;
}
