import type { AuditEntry, AuditRecord } from '#domain/audit.ts';

export interface AuditQuery {
  /** 'lookup': recorded reads (the lookup#YYYY-MM-DD streams) and nothing else; absent: changes only. */
  kind?: 'lookup';
  /** A service's change stream; not with kind 'lookup'. */
  service?: string;
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

export interface AuditPage {
  /** A stored record that cannot be read is listed as action `audit.unreadable`, its reason saying why. */
  records: AuditRecord[];
  nextCursor: string | null;
}

/** A run of one stream's chain, oldest first; `more` when records follow the last one. */
export interface AuditChainPage {
  records: AuditRecord[];
  more: boolean;
  /**
   * A stored record that cannot be read (its JSON is corrupt, or not a record): the page stops
   * before it, and the verifier reports it as the chain's break instead of failing.
   */
  unreadable?: { seq: number; problem: string };
}

export interface AppendOptions {
  /** Search the stream's records after this seq for the entry's `intent` before appending (OutboxClaim.afterSeq). */
  afterSeq?: number;
}

/** How far a stream's chain has been verified: the last record checked, and its hash. */
export interface AuditCheckpoint {
  stream: string;
  seq: number;
  hash: string;
  verifiedAt: string;
}

/**
 * An append-only, hash-chained record of actions. Appends to one stream are serialized
 * with conditional writes on the next sequence number, never transactions.
 */
export interface AuditLog {
  /**
   * Links the entry after its stream's head. An entry with an `intent` that the head record already
   * carries is not appended again: the head is returned. With `afterSeq` (an outbox claim's), every
   * record after that seq is searched, read consistently, and one carrying the intent is returned
   * instead: a drainer that stalled while another appended the item and more never appends it again.
   */
  append(entry: AuditEntry, options?: AppendOptions): Promise<AuditRecord>;
  /** The seq of the stream's newest record, read consistently; 0 for a stream with none. */
  lastSeq(stream: string): Promise<number>;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditPage>;
  /** Up to `limit` records of one stream after seq `afterSeq`, oldest first, read consistently. */
  readChain(stream: string, afterSeq: number, limit: number): Promise<AuditChainPage>;
  getCheckpoint(stream: string): Promise<AuditCheckpoint | null>;
  /**
   * Stores a stream's checkpoint if the stored one is still at seq `expectedSeq` (null: none
   * stored); otherwise a StaleVersionError, as another verifier moved it first.
   */
  saveCheckpoint(checkpoint: AuditCheckpoint, expectedSeq: number | null): Promise<void>;
}
