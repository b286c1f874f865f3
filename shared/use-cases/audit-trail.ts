import type { AuditQuery } from '#ports/audit-log.ts';
import type { Ports } from '#ports/ports.ts';
import { type VerifyReport, type VerifyRequest, verifyAuditChain } from './audit-verify.ts';
import { DEFAULT_OUTBOX_GRACE_SECONDS, drainAuditOutbox } from './drain-audit-outbox.ts';

/**
 * Lookups a lookup listing (or a lookup stream's verify) chains first, so a reader sees reads made
 * a moment ago; the reconciler drains the outbox each minute whatever is left.
 */
const LOOKUP_DRAIN_LIMIT = 200;

/**
 * Chains the lookups waiting in the outbox. Only final entries: without probes the drainer leaves
 * every change intent to the functions that can answer it. A failed item stays for the next drain.
 */
async function chainWaitingLookups(ports: Ports): Promise<void> {
  await drainAuditOutbox(ports, { graceMs: DEFAULT_OUTBOX_GRACE_SECONDS * 1000, limit: LOOKUP_DRAIN_LIMIT });
}

/** Audit records newest first; a cursor from another query throws InvalidCursorError, a 400 at the edge. */
export async function listAudit(ports: Ports, query: AuditQuery) {
  if (query.kind === 'lookup') await chainWaitingLookups(ports);
  return ports.audit.list(query);
}

/**
 * How long one verify call reads before it answers with its progress: the API function has
 * 29 s in all, and the records of a page already read are checked after the last read.
 */
export const VERIFY_TIME_BUDGET_MS = 20_000;
/** Records per read: a Query page holds at most 1 MB, which is about this many audit records. */
const VERIFY_PAGE_SIZE = 1_000;
/** A ceiling per call besides time, so a call's memory and work stay bounded. */
const VERIFY_MAX_RECORDS = 250_000;

/** Verifies a stream's chain within one call's budget: a service's, or the system stream without one. */
export async function verifyAudit(ports: Ports, request: VerifyRequest, shouldStop: () => boolean): Promise<VerifyReport> {
  if (request.lookupDay !== undefined) await chainWaitingLookups(ports);
  return verifyAuditChain(ports, request, { maxRecords: VERIFY_MAX_RECORDS, pageSize: VERIFY_PAGE_SIZE, shouldStop });
}
