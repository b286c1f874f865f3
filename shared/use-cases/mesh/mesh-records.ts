import { createHash } from 'node:crypto';
import type { MeshRecords, MeshStore } from '#ports/mesh-store.ts';
import type { Caller, MeshPorts } from '#ports/ports.ts';
import type { ProbeAnswer } from '#use-cases/drain-audit-outbox.ts';
import { recordedChange } from '#use-cases/recorded-change.ts';

type Timed = 'pause' | 'breaker';
type TimedRecord<K extends Timed> = MeshRecords[K];

/** What the audit record of a pause's or breaker's write says: who is the caller, why is in `reasons`. */
export interface MeshAudit {
  action: string;
  reasons: string[];
  before: unknown;
}

/** A pause or breaker is in force until its `until`; one past it is not rendered and is ended by the next tick. */
export const inForce = (record: { until: string }, now: Date): boolean => Date.parse(record.until) > now.getTime();

/**
 * Writes a pause or breaker record under its audit intent (recorded-change.ts): the drainer's probe
 * is the record's version, so a write that stood is recorded even if the function stops right after.
 */
export function saveTimed<K extends Timed>(
  ports: MeshPorts,
  caller: Caller,
  kind: K,
  record: TimedRecord<K>,
  expectedVersion: number | null,
  audit: MeshAudit,
): Promise<void> {
  const ending = 'endedAt' in record || 'closedAt' in record;
  const plan = {
    action: audit.action,
    target: `mesh/${kind}/${record.service}`,
    before: audit.before,
    after: record,
    outcome: 'success' as const,
    reasons: audit.reasons,
    serviceName: record.service,
    probe: { kind: 'mesh-record' as const, record: kind, name: record.service, version: record.version, ...(ending ? { ending } : {}) },
  };
  return recordedChange(ports, caller, plan, () => ports.meshStore.put(kind, record, expectedVersion));
}

/** The probes of mesh records, for the mesh function's outbox drain. */
export function meshProbes(ports: { meshStore: MeshStore }): ProbeAnswer {
  return async (probe) => {
    if (probe.kind !== 'mesh-record') return null;
    const stored = (await ports.meshStore.get(probe.record, probe.name)) as { version: number; createdAt?: string; openedAt?: string } | null;
    if (probe.deleted) {
      const made = stored?.createdAt ?? stored?.openedAt;
      return stored === null || (probe.createdAt !== undefined && made !== undefined && made !== probe.createdAt);
    }
    if (stored === null) return probe.ending === true;
    return stored.version >= probe.version;
  };
}

/**
 * One-shot schedule names (EventBridge Scheduler: 1-64 of [0-9A-Za-z_.-]): mesh-resume-<service>
 * and mesh-breaker-<service>; a service name too long for that keeps a prefix and a hash of the rest.
 */
export function meshScheduleName(what: 'resume' | 'breaker', service: string): string {
  const name = `mesh-${what}-${service}`;
  if (name.length <= 64) return name;
  const hash = createHash('sha256').update(service).digest('hex').slice(0, 10);
  return `${name.slice(0, 64 - hash.length - 1)}-${hash}`;
}
