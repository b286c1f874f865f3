import type { WorkloadRef } from '#ports/cluster.ts';
import { ClusterConflictError } from '#ports/errors.ts';
import type { CorePorts } from '#ports/ports.ts';

/** The replica level hms-sys controls: the Deployment's replicas, or the floor of the HPA that owns them. */
export interface WorkloadLevel {
  level: number;
  owner: 'deployment' | 'hpa';
  /** The HPA's maxReplicas, which bounds any floor hms-sys sets. */
  ceiling: number | null;
}

export async function readLevel(ports: Pick<CorePorts, 'cluster'>, ref: WorkloadRef): Promise<WorkloadLevel> {
  const [scale, hpa] = await Promise.all([ports.cluster.getScale(ref), ports.cluster.findHpa(ref)]);
  return hpa ? { level: hpa.minReplicas, owner: 'hpa', ceiling: hpa.maxReplicas } : { level: scale.replicas, owner: 'deployment', ceiling: null };
}

const MAX_ROUNDS = 5;

/**
 * Sets the level: the Deployment's replicas as an absolute write (no precondition, see
 * KubernetesCluster.setScale), or the HPA's floor against the resourceVersion it read, where a
 * write another controller got in first (409) is read again and retried. Returns the level written.
 */
export async function writeLevel(ports: Pick<CorePorts, 'cluster'>, ref: WorkloadRef, replicas: number): Promise<number> {
  for (let round = 1; ; round += 1) {
    try {
      return await writeOnce(ports, ref, replicas);
    } catch (err) {
      if (!(err instanceof ClusterConflictError) || round >= MAX_ROUNDS) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** round));
    }
  }
}

async function writeOnce(ports: Pick<CorePorts, 'cluster'>, ref: WorkloadRef, replicas: number): Promise<number> {
  const [scale, hpa] = await Promise.all([ports.cluster.getScale(ref), ports.cluster.findHpa(ref)]);
  if (!hpa) {
    if (scale.replicas !== replicas) await ports.cluster.setScale(ref, replicas);
    return replicas;
  }
  const floor = Math.max(1, Math.min(replicas, hpa.maxReplicas));
  if (hpa.minReplicas !== floor) await ports.cluster.setHpaMinReplicas(ref, hpa.name, floor, hpa.resourceVersion);
  return floor;
}
