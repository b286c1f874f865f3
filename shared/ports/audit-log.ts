import type { AuditEntry, AuditRecord } from '#domain/audit.ts';

export interface AuditQuery {
  service?: string;
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

export interface AuditPage {
  records: AuditRecord[];
  nextCursor: string | null;
}

/**
 * An append-only, hash-chained record of actions. Appends to one stream are serialized
 * with conditional writes on the next sequence number, never transactions.
 */
export interface AuditLog {
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditPage>;
  /** One stream, oldest first, for verification. */
  readStream(stream: string): Promise<AuditRecord[]>;
}
