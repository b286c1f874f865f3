import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** What a caller asks to record; the log adds the stream position and the hashes. */
export interface AuditEntry {
  time: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  /** 'denied': a lookup refused for want of a scope (lookups only). */
  outcome: 'success' | 'failure' | 'skipped' | 'dry-run' | 'denied';
  reasons: string[];
  requestId: string;
  service?: string;
  tags?: Record<string, string>;
  /** 'lookup' for a recorded read (its own streams, lookupStream); absent for a change. */
  kind?: 'lookup';
  /** The id of the outbox intent this record completes (audit-outbox.ts), so a record is never written twice. */
  intent?: string;
}

export interface AuditRecord extends AuditEntry {
  stream: string;
  seq: number;
  prevHash: string;
  hash: string;
}

/** The stream a change's record belongs to: one chain per service, one for everything else. */
export function auditStream(service: string | undefined): string {
  return service ? `service#${service}` : 'system';
}

/** Lookups (recorded reads) chain apart from changes, one stream per UTC day of the read: lookup#2026-12-03. */
export function lookupStream(time: string): string {
  return `lookup#${time.slice(0, 10)}`;
}

/** The stream an entry is appended to: a lookup's day stream, else its service's or the system stream. */
export function streamOf(entry: Pick<AuditEntry, 'kind' | 'service' | 'time'>): string {
  return entry.kind === 'lookup' ? lookupStream(entry.time) : auditStream(entry.service);
}

/** Records are hashed over RFC 8785 canonical JSON (canonical-json.ts, docs/audit-format.md). */
export { canonicalJson } from './canonical-json.ts';

export function hashRecord(record: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

/** Links an entry after the stream's head (null for the first record). */
export function chainEntry(entry: AuditEntry, stream: string, head: AuditRecord | null): AuditRecord {
  const unhashed = { ...entry, stream, seq: head ? head.seq + 1 : 1, prevHash: head ? head.hash : GENESIS_HASH };
  return { ...unhashed, hash: hashRecord(unhashed) };
}

export interface ChainBreak {
  seq: number;
  problem: string;
}

/** Where a run of verification starts: after the record `seq`, whose hash is `hash` (0 and GENESIS_HASH: the start). */
export interface ChainPosition {
  seq: number;
  hash: string;
}

export const GENESIS: ChainPosition = { seq: 0, hash: GENESIS_HASH };

/** Checks a stream's records, oldest first; returns the first break or null when intact. */
export function verifyChain(records: AuditRecord[]): ChainBreak | null {
  return verifyChainFrom(records, GENESIS);
}

/** Checks records that continue a chain after `start`, oldest first; the first break or null. */
export function verifyChainFrom(records: AuditRecord[], start: ChainPosition): ChainBreak | null {
  let expectedPrev = start.hash;
  let expectedSeq = start.seq + 1;
  for (const record of records) {
    const { hash, ...unhashed } = record;
    if (record.seq !== expectedSeq) return { seq: record.seq, problem: `expected seq ${expectedSeq}` };
    if (record.prevHash !== expectedPrev) return { seq: record.seq, problem: 'prevHash does not match the previous record' };
    if (hashRecord(unhashed) !== hash) return { seq: record.seq, problem: 'hash does not match the record' };
    expectedPrev = hash;
    expectedSeq += 1;
  }
  return null;
}
