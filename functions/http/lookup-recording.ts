import { randomUUID } from 'node:crypto';
import { DependencyError, ForbiddenError } from '#domain/errors.ts';
import { type LookupOutcome, type LookupRead, lookupEntry } from '#domain/lookup.ts';
import type { AuditOutbox, PendingAudit } from '#ports/audit-outbox.ts';
import type { Clock } from '#ports/clock.ts';
import { knownErrorAnswer } from './error-table.ts';

/** What recording a lookup needs of a function's ports. */
export interface LookupPorts {
  auditOutbox: AuditOutbox;
  clock: Clock;
}

/** Logs what recording could not do without failing the answer (a failed read's outcome left as authorized). */
export type LookupLog = (message: string, details: Record<string, unknown>) => void;

/** Fail closed (AU-12): a read whose lookup cannot be stored is not served. */
function notRecorded(cause: unknown): DependencyError {
  return new DependencyError('the read could not be recorded in the audit trail, so it was not served; retry', { cause });
}

const pendingOf = (read: LookupRead, id: string, end: LookupOutcome): PendingAudit => ({
  id,
  createdAt: read.time,
  entry: lookupEntry(read, end),
});

/**
 * Serves an authorized read while its lookup goes into the outbox: one unconditional put, run
 * concurrently with the read, so the read's latency grows only by what the put takes beyond it.
 * Both are awaited before the answer. The lookup is chained later, off the request path, by the
 * outbox drainer. If the put fails the answer is a 503 (nothing served without its record). If the
 * read fails, the same item is put again (same id) saying so, with the status that answered it.
 */
export async function servedAsLookup<T>(ports: LookupPorts, read: LookupRead, serve: () => Promise<T>, log: LookupLog): Promise<T> {
  const id = randomUUID();
  const [recorded, served] = await Promise.allSettled([ports.auditOutbox.put(pendingOf(read, id, { outcome: 'success' })), serve()]);
  if (recorded.status === 'rejected') throw notRecorded(recorded.reason);
  if (served.status === 'fulfilled') return served.value;
  const answer = knownErrorAnswer(served.reason);
  const end: LookupOutcome = { outcome: 'failure', code: answer?.body.error.code ?? 'internal', status: answer?.status ?? 500 };
  try {
    await ports.auditOutbox.put(pendingOf(read, id, end));
  } catch (err) {
    log('a failed read stays recorded as authorized: its outcome could not be updated', { id, error: err });
  }
  throw served.reason;
}

/** Records a read refused for want of its scope (outcome 'denied'), then refuses it: a 403, or a 503 if it cannot be recorded. */
export async function deniedLookup(ports: LookupPorts, read: LookupRead): Promise<never> {
  try {
    await ports.auditOutbox.put(pendingOf(read, randomUUID(), { outcome: 'denied' }));
  } catch (err) {
    throw notRecorded(err);
  }
  throw new ForbiddenError(read.scope);
}
