import type { AuditQuery } from '#ports/audit-log.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { type VerifyPorts, type VerifyReport, type VerifyRequest, verifyAuditChain } from './audit-verify.ts';
import { DEFAULT_OUTBOX_GRACE_SECONDS, type DrainPorts, drainAuditOutbox } from './drain-audit-outbox.ts';

/**
 * Lookups a lookup listing (or a lookup stream's verify) chains first, so a reader sees reads made
 * a moment ago; the reconciler drains the outbox each minute whatever is left.
 */
const LOOKUP_DRAIN_LIMIT = 200;

/** The request reading, whose own lookup is not chained until its outcome is known. */
export type Reader = Pick<Caller, 'requestId'>;

/**
 * Chains the lookups waiting in the outbox. Only final entries: without probes the drainer leaves
 * every change intent to the functions that can answer it. A failed item stays for the next drain.
 * The reader's own lookup stays too: its read may still fail (a bad cursor, a day with no
 * lookups), and then its item is put again as `failure`, which a chained record would not show.
 */
async function chainWaitingLookups(ports: DrainPorts, reader: Reader | undefined): Promise<void> {
  await drainAuditOutbox(ports, {
    graceMs: DEFAULT_OUTBOX_GRACE_SECONDS * 1000,
    limit: LOOKUP_DRAIN_LIMIT,
    ...(reader ? { leaveRequestId: reader.requestId } : {}),
  });
}

/** Audit records newest first; a cursor from another query throws InvalidCursorError, a 400 at the edge. */
export async function listAudit(ports: Ports, query: AuditQuery, reader?: Reader) {
  if (query.kind === 'lookup') await chainWaitingLookups(ports, reader);
  return ports.audit.list(query);
}

/**
 * How long one verify call reads before it answers with its progress: API Gateway waits 30 s for
 * an HTTP API's integration, a quota that cannot be raised
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html), whatever the
 * serving function's own timeout (the audit-digest function's is its hourly run's), and the records
 * of a page already read are checked after the last read.
 */
export const VERIFY_TIME_BUDGET_MS = 20_000;
/** Records per read: a Query page holds at most 1 MB, which is about this many audit records. */
const VERIFY_PAGE_SIZE = 1_000;
/** A ceiling per call besides time, so a call's memory and work stay bounded. */
const VERIFY_MAX_RECORDS = 250_000;

/** Verifies a stream's chain within one call's budget: a service's, or the system stream without one. */
export async function verifyAudit(ports: VerifyPorts & DrainPorts, request: VerifyRequest, shouldStop: () => boolean, reader?: Reader): Promise<VerifyReport> {
  if (request.lookupDay !== undefined) await chainWaitingLookups(ports, reader);
  return verifyAuditChain(ports, request, { maxRecords: VERIFY_MAX_RECORDS, pageSize: VERIFY_PAGE_SIZE, shouldStop });
}
