import type { AuditEntry, AuditRecord } from '#domain/audit.ts';
import type { ServiceTags } from '#domain/model.ts';
import type { Caller, Ports } from '#ports/ports.ts';

export interface RecordInput {
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  outcome: AuditEntry['outcome'];
  reasons: string[];
  service?: { name: string; tags: ServiceTags } | null;
  serviceName?: string;
}

/** Appends one audit record for a caller, carrying the service's tags. */
export function record(ports: Pick<Ports, 'audit' | 'clock'>, caller: Caller, input: RecordInput): Promise<AuditRecord> {
  return ports.audit.append(auditEntryOf(ports, caller, input));
}

/** The entry a caller's record holds, timed now. */
export function auditEntryOf(ports: Pick<Ports, 'clock'>, caller: Caller, input: RecordInput): AuditEntry {
  const serviceName = input.service?.name ?? input.serviceName;
  return {
    time: ports.clock.now().toISOString(),
    actor: caller.actor,
    action: input.action,
    target: input.target,
    before: input.before ?? null,
    after: input.after ?? null,
    outcome: input.outcome,
    reasons: input.reasons,
    requestId: caller.requestId,
    ...(serviceName ? { service: serviceName } : {}),
    ...(input.service ? { tags: { ...input.service.tags } } : {}),
  };
}
