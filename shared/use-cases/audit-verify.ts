import { auditStream, type ChainBreak, type ChainPosition, GENESIS, hashRecord, lookupStream, verifyChainFrom } from '#domain/audit.ts';
import { decodeCursor, encodeCursor } from '#domain/cursor.ts';
import { NotFoundError, ValidationError } from '#domain/errors.ts';
import type { AuditArchivePorts } from '#ports/audit-digest-state.ts';
import type { AuditCheckpoint, AuditLog } from '#ports/audit-log.ts';
import type { Clock } from '#ports/clock.ts';
import { StaleVersionError } from '#ports/errors.ts';
import { asChainBreak, checkNewestDigestRecord, checkUndigested, type DigestVerifyReport, prunedStart, verifyDigestChain } from './audit-verify-digests.ts';

/**
 * What one call may spend. A call stops between pages once `maxRecords` are checked or
 * `shouldStop` says its time is up, and reports how far it got.
 */
export interface VerifyBudget {
  maxRecords: number;
  pageSize: number;
  shouldStop: () => boolean;
}

export interface VerifyRequest {
  service?: string;
  /** A UTC day (YYYY-MM-DD): verify that day's lookup stream, lookup#<day>, instead of a change stream. */
  lookupDay?: string;
  /** 'checkpoint' (default): on from the stored checkpoint. 'genesis': the whole chain again. */
  from: 'checkpoint' | 'genesis';
  /** Continues a genesis run where its previous call stopped. */
  cursor?: string;
}

export interface VerifyReport {
  stream: string;
  from: VerifyRequest['from'];
  intact: boolean;
  firstBreak: ChainBreak | null;
  /** The run checked the records after this seq (0: from the first record). */
  startedAfter: number;
  /** The last seq this run found intact, from its start. */
  verifiedThrough: number;
  /** Records checked by this call. */
  records: number;
  /** True when the run reached the stream's head (or a break). */
  complete: boolean;
  /** For an incomplete genesis run: pass back as `cursor` to continue. A checkpoint run continues by itself. */
  cursor: string | null;
  /** The stored checkpoint after this call. */
  checkpoint: AuditCheckpoint | null;
  /** The stream's signed digests (audit-verify-digests.ts); null where no archive is configured. */
  digests: DigestVerifyReport | null;
}

/** Without an archive, verify checks the chain alone and reports no digests. */
export type VerifyPorts = { audit: AuditLog; clock: Clock; auditArchive?: AuditArchivePorts };

/**
 * Verifies a stream's hash chain in pages, from the stored checkpoint or from the first record.
 *
 * What the checkpoint trusts: that the records up to its seq were intact when a run passed them,
 * and that its hash is the hash the last of them had then. Each checkpoint run first re-reads that
 * record and requires the same hash, so a chain rewritten (and re-hashed) from an earlier record on,
 * or cut back below the checkpoint, is a break. An edit to an earlier record that leaves later
 * hashes alone is not re-read by a checkpoint run: a genesis run finds it, and also reports any
 * record whose hash differs from the checkpoint's. The checkpoint sits in the same table as the
 * chain, so it does not hold against someone who can rewrite both; signed digests held elsewhere
 * are what would.
 */
export async function verifyAuditChain(ports: VerifyPorts, request: VerifyRequest, budget: VerifyBudget): Promise<VerifyReport> {
  const stream = request.lookupDay === undefined ? auditStream(request.service) : lookupStream(request.lookupDay);
  if (request.from === 'checkpoint' && request.cursor !== undefined) {
    throw new ValidationError('a cursor continues a from=genesis run; a checkpoint run continues from the stored checkpoint', 'query.cursor');
  }
  const stored = await ports.audit.getCheckpoint(stream);
  const requested =
    request.from === 'checkpoint'
      ? stored
        ? { seq: stored.seq, hash: stored.hash }
        : GENESIS
      : request.cursor === undefined
        ? GENESIS
        : await decodeVerifyCursor(ports.audit, request.cursor, stream);
  // Records the retention prune removed are checked in their archive; the table's chain starts after them.
  const archived = ports.auditArchive ? await prunedStart({ ...ports, auditArchive: ports.auditArchive }, stream) : { position: null, broken: null };
  const start = archived.position && archived.position.seq >= requested.seq ? archived.position : requested;
  const report: VerifyReport = {
    stream,
    from: request.from,
    intact: true,
    firstBreak: null,
    startedAfter: start.seq,
    verifiedThrough: start.seq,
    records: 0,
    complete: false,
    cursor: null,
    checkpoint: stored,
    digests: null,
  };
  if (archived.broken) return { ...report, intact: false, firstBreak: archived.broken, complete: true };

  const anchorBreak = start === archived.position ? null : await checkAnchor(ports.audit, stream, start);
  if (anchorBreak) return { ...report, intact: false, firstBreak: anchorBreak, complete: true };

  let position: ChainPosition = start;
  while (!report.complete && report.records < budget.maxRecords && !budget.shouldStop()) {
    const page = await ports.audit.readChain(stream, position.seq, Math.min(budget.pageSize, budget.maxRecords - report.records));
    // Registering a service writes its first record, so a service stream with none never existed: say so, not "intact".
    // A day with no lookup recorded has no lookup stream either.
    if ((request.service || request.lookupDay) && position.seq === 0 && page.records.length === 0 && !page.unreadable)
      throw request.lookupDay
        ? new NotFoundError(`lookup stream of ${request.lookupDay}`, 'query.day')
        : new NotFoundError(`audit stream of service ${request.service}`, 'query.service');
    const found = verifyChainFrom(page.records, position) ?? checkpointMismatch(page.records, stored) ?? page.unreadable ?? null;
    const good = found ? page.records.filter((r) => r.seq < found.seq) : page.records;
    const last = good[good.length - 1];
    if (last) position = { seq: last.seq, hash: last.hash };
    report.records += found ? good.length + 1 : good.length;
    if (found) Object.assign(report, { intact: false, firstBreak: found, complete: true });
    else if (!page.more) report.complete = true;
  }
  report.verifiedThrough = position.seq;
  if (ports.auditArchive) await checkDigests({ ...ports, auditArchive: ports.auditArchive }, stream, report, archived.position?.seq ?? 0, budget);

  if (request.from === 'checkpoint' && position.seq > start.seq) report.checkpoint = await advance(ports, stream, position, stored);
  if (request.from === 'genesis' && !report.complete) report.cursor = encodeVerifyCursor(position, stream);
  return report;
}

/**
 * The stream's signed digests must hold (signature by the published key, chain, places), the
 * table must still hold the last record the newest one covers, with the hash it signed, and no
 * record past it may be older than the digest runs allow: the break found first in the stream
 * (lowest seq) is the one reported.
 */
async function checkDigests(ports: Required<VerifyPorts>, stream: string, report: VerifyReport, prunedThrough: number, budget: VerifyBudget): Promise<void> {
  const { report: digests, newestMark } = await verifyDigestChain(ports, stream, budget.shouldStop);
  report.digests = { ...digests, prunedThrough };
  const found = [
    digests.firstBreak ? asChainBreak(digests.firstBreak, newestMark?.lastSeq ?? 0) : null,
    newestMark ? await checkNewestDigestRecord(ports, newestMark, prunedThrough) : null,
    digests.complete ? await checkUndigested(ports, stream, Math.max(newestMark?.lastSeq ?? 0, prunedThrough)) : null,
  ].filter((b): b is ChainBreak => b !== null);
  for (const broken of found) {
    if (report.firstBreak === null || broken.seq < report.firstBreak.seq) Object.assign(report, { intact: false, firstBreak: broken, complete: true });
  }
}

/** The record a run starts after must still exist and still hash to the position's hash. */
async function checkAnchor(audit: AuditLog, stream: string, start: ChainPosition): Promise<ChainBreak | null> {
  if (start.seq === 0) return null;
  const {
    records: [anchor],
    unreadable,
  } = await audit.readChain(stream, start.seq - 1, 1);
  if (unreadable?.seq === start.seq) return unreadable;
  if (!anchor || anchor.seq !== start.seq) return { seq: start.seq, problem: 'the record the run starts after is missing' };
  const { hash, ...unhashed } = anchor;
  if (hash !== start.hash || hashRecord(unhashed) !== start.hash) {
    return { seq: start.seq, problem: 'the record no longer has the hash it had when it was verified' };
  }
  return null;
}

/** A genesis run passing the checkpoint's record must find the hash the checkpoint stored. */
function checkpointMismatch(records: { seq: number; hash: string }[], stored: AuditCheckpoint | null): ChainBreak | null {
  const at = stored ? records.find((r) => r.seq === stored.seq) : undefined;
  return at && at.hash !== stored!.hash ? { seq: at.seq, problem: 'hash differs from the one stored at the verify checkpoint' } : null;
}

/** Moves the checkpoint forward; if another verifier moved it first, theirs stands. */
async function advance(ports: VerifyPorts, stream: string, position: ChainPosition, stored: AuditCheckpoint | null): Promise<AuditCheckpoint | null> {
  const checkpoint: AuditCheckpoint = { stream, seq: position.seq, hash: position.hash, verifiedAt: ports.clock.now().toISOString() };
  try {
    await ports.audit.saveCheckpoint(checkpoint, stored?.seq ?? null);
    return checkpoint;
  } catch (err) {
    if (!(err instanceof StaleVersionError)) throw err;
    return ports.audit.getCheckpoint(stream);
  }
}

const CURSOR_SHAPE = /^[0-9a-f]{64}$/;

const VERIFY_CURSOR = 'audit-verify';

/** A genesis run's position, bound to its stream: a cursor from another service's run is refused. */
function encodeVerifyCursor(position: ChainPosition, stream: string): string {
  return encodeCursor(VERIFY_CURSOR, { stream }, { seq: position.seq, hash: position.hash });
}

/**
 * The cursor's check is not a secret, so anyone can make one: a position past the stream's head was
 * never handed out (a run only stops on a record it read) and is refused. A position at or below the
 * head whose record is gone is a record deleted since, which the run's anchor check names as a break.
 */
async function decodeVerifyCursor(audit: AuditLog, cursor: string, stream: string): Promise<ChainPosition> {
  const position = decodeCursor(VERIFY_CURSOR, { stream }, cursor);
  const fields = typeof position === 'object' && position !== null ? (position as Record<string, unknown>) : {};
  if (Number.isSafeInteger(fields.seq) && (fields.seq as number) >= 0 && typeof fields.hash === 'string' && CURSOR_SHAPE.test(fields.hash)) {
    if ((fields.seq as number) <= (await audit.lastSeq(stream))) return { seq: fields.seq as number, hash: fields.hash };
  }
  throw new ValidationError('query.cursor is not a cursor a verify run of this stream handed out', 'query.cursor');
}
