import type { ChangeProbe } from '#ports/audit-outbox.ts';
import type { CorePorts } from '#ports/ports.ts';
import type { ProbeAnswer } from './drain-audit-outbox.ts';
import { readLevel } from './workload-level.ts';

/**
 * The probes of the control plane's own state, for the reconciler: a stored entity's version, and
 * a workload's level. A rotation step is left to the functions that reach Secrets Manager.
 */
export function stateProbes(ports: Pick<CorePorts, 'store' | 'ledger' | 'cluster'>): ProbeAnswer {
  return async (probe: ChangeProbe) => {
    if (probe.kind === 'state-version') {
      const stored = await storedEntity(ports, probe.entity, probe.key);
      if (probe.deleted) return stored === null || (probe.createdAt !== undefined && stored.createdAt !== probe.createdAt);
      return stored !== null && stored.version >= probe.version;
    }
    if (probe.kind === 'replicas') {
      const service = await ports.store.getService(probe.service);
      if (!service) return false;
      return (await readLevel(ports, service)).level === probe.replicas;
    }
    return null;
  };
}

function storedEntity(ports: Pick<CorePorts, 'store' | 'ledger'>, entity: string, key: string): Promise<{ version: number; createdAt: string } | null> {
  if (entity === 'rule') return ports.store.getRule(key);
  if (entity === 'service') return ports.store.getService(key);
  if (entity === 'budget') return ports.ledger.getBudget(key);
  return ports.ledger.getBurst(key);
}
