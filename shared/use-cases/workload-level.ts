import type { WorkloadRef } from '#ports/cluster.ts';
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
  return hpa
    ? { level: hpa.minReplicas, owner: 'hpa', ceiling: hpa.maxReplicas }
    : { level: scale.replicas, owner: 'deployment', ceiling: null };
}

/** Sets the level, re-reading the resourceVersion it writes against; returns the level written. */
export async function writeLevel(ports: Pick<CorePorts, 'cluster'>, ref: WorkloadRef, replicas: number): Promise<number> {
  const [scale, hpa] = await Promise.all([ports.cluster.getScale(ref), ports.cluster.findHpa(ref)]);
  if (!hpa) {
    if (scale.replicas !== replicas) await ports.cluster.setScale(ref, replicas, scale.resourceVersion);
    return replicas;
  }
  const floor = Math.max(1, Math.min(replicas, hpa.maxReplicas));
  if (hpa.minReplicas !== floor) await ports.cluster.setHpaMinReplicas(ref, hpa.name, floor, hpa.resourceVersion);
  return floor;
}
