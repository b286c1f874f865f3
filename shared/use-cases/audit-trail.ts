import { auditStream, verifyChain } from '#domain/audit.ts';
import { ValidationError } from '#domain/errors.ts';
import type { AuditQuery } from '#ports/audit-log.ts';
import { InvalidCursorError } from '#ports/errors.ts';
import type { Ports } from '#ports/ports.ts';

/** Audit records newest first; a cursor from another query is the caller's mistake, not ours. */
export async function listAudit(ports: Ports, query: AuditQuery) {
  try {
    return await ports.audit.list(query);
  } catch (err) {
    if (err instanceof InvalidCursorError) throw new ValidationError('query.cursor is not a cursor this query handed out', 'query.cursor');
    throw err;
  }
}

/** Recomputes one stream's hash chain: a service's, or the system stream without one. */
export async function verifyAudit(ports: Ports, service: string | undefined) {
  const stream = auditStream(service);
  const records = await ports.audit.readStream(stream);
  const broken = verifyChain(records);
  return { stream, records: records.length, intact: broken === null, firstBreak: broken };
}
