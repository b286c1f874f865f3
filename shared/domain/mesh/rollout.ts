import type { KubeObject } from './kube-resources.ts';

/**
 * A Deployment's rollout of its current pod template, read as `kubectl rollout status` reads it:
 * the controller has observed the latest spec (status.observedGeneration ≥ metadata.generation),
 * every desired replica runs the new template (status.updatedReplicas), no pod of an older one is
 * left (status.replicas), and the updated ones are available (status.availableReplicas).
 * https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status
 */
export interface Rollout {
  deployment: string;
  /** The pod template's first container image: what the updated pods run. */
  image?: string;
  /** spec.replicas. */
  desired: number;
  /** Pods of the current template (status.updatedReplicas). */
  updated: number;
  /**
   * Pods of the current template that are Ready. The status counts Ready pods of every template,
   * so while older pods remain this is the lower bound readyReplicas − old pods.
   */
  ready: number;
  /** Whether the controller has seen the latest spec. */
  observed: boolean;
  /** All desired pods run the current template, are available, and no older pod is left. */
  complete: boolean;
  /** What the rollout still waits for, in kubectl's words; absent once complete. */
  waitingFor?: string;
}

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);

/** The rollout of a Deployment as the API server returned it. */
export function rolloutOf(deployment: KubeObject): Rollout {
  const spec = (deployment.spec ?? {}) as { replicas?: unknown; template?: { spec?: { containers?: { image?: unknown }[] } } };
  const status = (deployment.status ?? {}) as Record<string, unknown>;
  // spec.replicas defaults to 1 on the API server; an object without it was not read from one.
  const desired = spec.replicas === undefined ? 1 : count(spec.replicas);
  const updated = count(status.updatedReplicas);
  const total = count(status.replicas);
  const available = count(status.availableReplicas);
  const old = Math.max(0, total - updated);
  const ready = Math.min(updated, Math.max(0, count(status.readyReplicas) - old));
  const observed = count(status.observedGeneration) >= count(deployment.metadata.generation);
  const image = spec.template?.spec?.containers?.[0]?.image;
  const waitingFor = !observed
    ? 'the deployment spec update to be observed'
    : updated < desired
      ? `${updated} out of ${desired} new replicas to be updated`
      : old > 0
        ? `${old} old replicas pending termination`
        : available < updated
          ? `${available} of ${updated} updated replicas to be available`
          : undefined;
  return {
    deployment: deployment.metadata.name,
    ...(typeof image === 'string' ? { image } : {}),
    desired,
    updated,
    ready,
    observed,
    complete: waitingFor === undefined,
    ...(waitingFor === undefined ? {} : { waitingFor }),
  };
}
