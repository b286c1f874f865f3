import { randomUUID } from 'node:crypto';
import { type AuditEntry, type AuditRecord, auditStream, streamOf } from '#domain/audit.ts';
import type { AuditLog, AuditQuery } from '#ports/audit-log.ts';
import type { AuditOutbox, ChangeProbe, PendingAudit } from '#ports/audit-outbox.ts';
import type { Clock } from '#ports/clock.ts';

/** Whether a change stood, for the probe kinds a function can answer; null: this function cannot tell. */
export type ProbeAnswer = (probe: ChangeProbe) => Promise<boolean | null>;

export interface DrainPorts {
  audit: AuditLog;
  auditOutbox: AuditOutbox;
  clock: Clock;
}

export interface DrainOptions {
  /** Answers the probes this function's ports can read; without it, intents are left for a function that can. */
  probes?: ProbeAnswer;
  /** An intent younger than this may still have its writer running, and is left alone. */
  graceMs: number;
  /** Outbox items read at a time (default 100). */
  limit?: number;
  /** How long a claim on an item lasts (default DEFAULT_CLAIM_MS): another drainer skips the item meanwhile. */
  claimMs?: number;
  /**
   * Epoch ms (Date.now) after which no further page is read. Without it a run reads one page; with
   * it, pages follow while each made progress and a full page suggests more.
   */
  deadline?: number;
  /**
   * A request's own lookup is left alone: a read that drains before it is answered (a lookup
   * listing, a lookup stream's verify) would otherwise chain its own pending `success` before the
   * read could fail and put it again as `failure`.
   */
  leaveRequestId?: string;
}

export interface DrainReport {
  /** Final entries and intents whose record this run appended. */
  appended: number;
  /** Items whose record was already on the chain: only the item was deleted. */
  alreadyRecorded: number;
  /** Intents left: within grace, or a probe this function cannot answer. */
  left: number;
  /** Items another drainer holds a claim on: skipped. */
  claimed: number;
  /** Items that failed (their error is in `errors`); they stay for the next run. */
  failed: number;
  errors: string[];
}

/** The default grace: Lambda's maximum timeout, 900 s, so a writer still running cannot be overtaken. */
export const DEFAULT_OUTBOX_GRACE_SECONDS = 900;

/** A claim outlasts the work on one item (a probe, an append's retries) many times over; a drainer that stopped holds it no longer. */
export const DEFAULT_CLAIM_MS = 60_000;

export const DRAINER_RECORDED_REASON = 'recorded by the audit outbox drainer: the change stood, but its writer stopped before recording it';
export const NOT_TAKEN_REASON = 'the change did not take effect';

/**
 * Moves the outbox's pending audits onto their chains, oldest first. A final entry (a lookup) is
 * appended unless its record is already there. An intent past the grace period: if its record
 * exists (the writer stopped after appending), it is only deleted; otherwise its probe decides
 * whether the change stood, and the entry is appended with outcome success (and a reason saying
 * the drainer recorded it) or failure ("the change did not take effect"). Every record carries
 * `intent`, the item's id, which is how a repeated run finds it and never appends it twice.
 * Drainers run at once (the reconciler's, a lookup listing's): each claims an item before it
 * settles it and skips one another holds; and since a claim can lapse under a drainer that
 * stalled, its append searches the chain, read consistently, from the first claim's position.
 */
export async function drainAuditOutbox(ports: DrainPorts, options: DrainOptions): Promise<DrainReport> {
  const report: DrainReport = { appended: 0, alreadyRecorded: 0, left: 0, claimed: 0, failed: 0, errors: [] };
  const drainer = randomUUID();
  const limit = Math.max(1, options.limit ?? 100);
  for (;;) {
    const now = ports.clock.now().getTime();
    const page = await ports.auditOutbox.list(limit);
    let progressed = 0;
    for (const pending of page) {
      try {
        const done = await drainOne(ports, options, pending, now, drainer);
        report[done] += 1;
        if (done !== 'left' && done !== 'claimed') progressed += 1;
      } catch (err) {
        report.failed += 1;
        report.errors.push(`${pending.id}: ${(err as Error).message}`);
      }
    }
    // Items left stay first in the outbox, so a next page repeats them: stop when nothing moved.
    if (options.deadline === undefined || page.length < limit || progressed === 0 || Date.now() > options.deadline) return report;
    report.left = 0;
    report.claimed = 0;
  }
}

async function drainOne(
  ports: DrainPorts,
  options: DrainOptions,
  pending: PendingAudit,
  now: number,
  drainer: string,
): Promise<'appended' | 'alreadyRecorded' | 'left' | 'claimed'> {
  if (pending.probe && now - Date.parse(pending.createdAt) < options.graceMs) return 'left';
  if (options.leaveRequestId !== undefined && pending.entry.requestId === options.leaveRequestId) return 'left';
  if (await recordOf(ports.audit, pending)) {
    await ports.auditOutbox.delete(pending.id);
    return 'alreadyRecorded';
  }
  // Read before claiming, so any record a claimant appends lies after it.
  const afterSeq = await ports.audit.lastSeq(streamOf(pending.entry));
  // The clock read now, not at the page's start: a slow page must not claim items already lapsed.
  const claimedAt = ports.clock.now().getTime();
  const until = new Date(claimedAt + (options.claimMs ?? DEFAULT_CLAIM_MS)).toISOString();
  const claim = await ports.auditOutbox.claim(pending.id, { by: drainer, until, afterSeq }, new Date(claimedAt).toISOString());
  if (!claim) return 'claimed';
  try {
    let entry: AuditEntry = { ...pending.entry, intent: pending.id };
    if (pending.probe) {
      const stood = options.probes ? await options.probes(pending.probe) : null;
      if (stood === null) {
        await ports.auditOutbox.release(pending.id, drainer);
        return 'left';
      }
      entry = stood
        ? { ...entry, reasons: [...entry.reasons, DRAINER_RECORDED_REASON] }
        : { ...entry, outcome: 'failure', after: null, reasons: [NOT_TAKEN_REASON, ...entry.reasons] };
    }
    await ports.audit.append(entry, { afterSeq: claim.afterSeq });
    await ports.auditOutbox.delete(pending.id);
    return 'appended';
  } catch (err) {
    // Another drainer may take it at once: its append finds this one's record, if any, from afterSeq.
    await ports.auditOutbox.release(pending.id, drainer).catch(() => undefined);
    throw err;
  }
}

/**
 * The record carrying the item's id, if one is on its stream. A record keeps its entry's time,
 * so only the records at exactly that time are read: a key range of the time index, not a scan.
 * DynamoDB's indexes are eventually consistent: this finds a writer's record, at least the grace
 * period old; a drainer's record, maybe just appended, is found by the append itself (afterSeq).
 */
export async function recordOf(audit: AuditLog, pending: PendingAudit): Promise<AuditRecord | null> {
  const stream = streamOf(pending.entry);
  const { time } = pending.entry;
  const query: Omit<AuditQuery, 'cursor'> = {
    ...(pending.entry.kind === 'lookup' ? { kind: 'lookup' as const } : stream === auditStream(undefined) ? {} : { service: pending.entry.service as string }),
    since: time,
    until: time,
    limit: 50,
  };
  let cursor: string | undefined;
  do {
    const page = await audit.list({ ...query, ...(cursor ? { cursor } : {}) });
    const found = page.records.find((r) => r.stream === stream && r.intent === pending.id);
    if (found) return found;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return null;
}

/** The first answer any of the probes gives, in order. */
export function probesOf(...answers: ProbeAnswer[]): ProbeAnswer {
  return async (probe) => {
    for (const answer of answers) {
      const found = await answer(probe);
      if (found !== null) return found;
    }
    return null;
  };
}
