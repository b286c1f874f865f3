import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '#domain/audit.ts';
import { logger } from '#observability/logger.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { AuditOutbox, ChangeProbe, PendingAudit } from '#ports/audit-outbox.ts';
import type { Clock } from '#ports/clock.ts';
import type { Caller } from '#ports/ports.ts';
import { auditEntryOf, type RecordInput } from './record.ts';

export interface RecordedChangePorts {
  audit: AuditLog;
  auditOutbox: AuditOutbox;
  clock: Clock;
}

/** A change's record as planned before it runs, and how the drainer can tell later whether it took effect. */
export interface ChangePlan<T> extends RecordInput {
  probe: ChangeProbe;
  /**
   * Errors after which the intent is only withdrawn, not recorded as a failure: for a caller that
   * retries the change itself, or records its failure in its own words. Without it, every throw is recorded.
   */
  withdrawOnThrow?: (err: unknown) => boolean;
  /** The record's fields as the change turned out (its real outcome, after, reasons); the plan's when left out. */
  completed?: (result: T) => Partial<Pick<RecordInput, 'outcome' | 'after' | 'reasons'>>;
}

/**
 * Runs a state change so that it never stands without its audit record, without transactions:
 * (1) its intent (the planned entry and a probe) goes into the outbox; (2) the change runs;
 * (3) the record is appended with `intent` set to the intent's id; (4) the intent is deleted.
 * A failure of (3) or (4) does not fail the caller: the change stands and the intent stays in
 * the outbox, where drainAuditOutbox appends the record or finds it. A change that throws may
 * have written part of itself (a rule marked deleting whose alarms could not go), so it is
 * recorded too: outcome failure, the error and that warning as reasons, then the intent is
 * deleted (left to the drainer's probe if that append fails), and the caller gets the error as thrown.
 */
export async function recordedChange<T>(ports: RecordedChangePorts, caller: Caller, plan: ChangePlan<T>, change: () => Promise<T>): Promise<T> {
  const entry = auditEntryOf(ports, caller, plan);
  const pending: PendingAudit = { id: randomUUID(), createdAt: ports.clock.now().toISOString(), entry: { ...entry, intent: '' }, probe: plan.probe };
  pending.entry.intent = pending.id;
  await ports.auditOutbox.put(pending);
  let result: T;
  try {
    result = await change();
  } catch (err) {
    if (plan.withdrawOnThrow?.(err)) await ports.auditOutbox.delete(pending.id).catch(() => undefined);
    else await recordFailure(ports, pending, err);
    throw err;
  }
  await completeIntent(ports, pending, completedEntry(pending.entry, plan.completed?.(result)));
  return result;
}

/** The planned entry with the change's real outcome, after and reasons. */
function completedEntry(entry: AuditEntry, actual: Partial<Pick<RecordInput, 'outcome' | 'after' | 'reasons'>> | undefined): AuditEntry {
  if (!actual) return entry;
  return {
    ...entry,
    ...(actual.outcome ? { outcome: actual.outcome } : {}),
    ...('after' in actual ? { after: actual.after ?? null } : {}),
    ...(actual.reasons ? { reasons: actual.reasons } : {}),
  };
}

/** Appends the record of a change that stood, then deletes its intent; a failure of either leaves the intent to the drainer. */
async function completeIntent(ports: RecordedChangePorts, pending: PendingAudit, entry: AuditEntry): Promise<void> {
  try {
    await ports.audit.append(entry);
  } catch (err) {
    logger.warn('audit append failed after the change; the outbox drainer will record it', { intent: pending.id, error: (err as Error).message });
    // The same id and time rewrite the same item, now with what the change really did.
    if (entry !== pending.entry) await ports.auditOutbox.put({ ...pending, entry }).catch(() => undefined);
    return;
  }
  await ports.auditOutbox.delete(pending.id).catch((err: Error) => {
    logger.warn('the outbox intent outlived its record; the drainer will find the record and delete it', { intent: pending.id, error: err.message });
  });
}

/** The second reason of a change that threw: it may have written some of its state before the error. */
export const PARTLY_CHANGED_REASON = 'state may have changed partly: what the change wrote before the error stands';

/**
 * Records a change that threw as a failure naming the error, then deletes its intent. If the
 * append fails the intent is left as it was, so the drainer's probe decides what stood.
 */
async function recordFailure(ports: RecordedChangePorts, pending: PendingAudit, err: unknown): Promise<void> {
  const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const reasons = [`the change failed: ${error}`, PARTLY_CHANGED_REASON, ...pending.entry.reasons];
  try {
    await ports.audit.append({ ...pending.entry, outcome: 'failure', after: null, reasons });
  } catch (appendErr) {
    logger.warn('audit append of a failed change failed; the outbox drainer will probe it', { intent: pending.id, error: (appendErr as Error).message });
    return;
  }
  await ports.auditOutbox.delete(pending.id).catch((deleteErr: Error) => {
    logger.warn('the outbox intent outlived its failure record; the drainer will find the record and delete it', {
      intent: pending.id,
      error: deleteErr.message,
    });
  });
}
