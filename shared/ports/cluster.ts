/** Where a workload lives: the EKS cluster, its namespace and the Deployment's name. */
export interface WorkloadRef {
  cluster: string;
  namespace: string;
  deployment: string;
}

/** The Deployment's scale subresource, with the resourceVersion that guards writes. */
export interface ScaleState {
  replicas: number;
  resourceVersion: string;
}

/** A HorizontalPodAutoscaler that targets a Deployment. */
export interface HpaState {
  name: string;
  minReplicas: number;
  maxReplicas: number;
  resourceVersion: string;
}

/** Pod counts of a Deployment, as the cluster reports them. */
export interface PodCounts {
  desired: number;
  ready: number;
}

/**
 * The part of the Kubernetes API the controller uses.
 * Writes carry the resourceVersion that was read; a stale one throws ClusterConflictError.
 * Transient faults (429, 5xx, timeouts) are retried inside the adapter and surface as
 * ClusterUnavailableError once retries are spent.
 */
export interface Cluster {
  getScale(ref: WorkloadRef): Promise<ScaleState>;
  setScale(ref: WorkloadRef, replicas: number, resourceVersion: string): Promise<ScaleState>;
  findHpa(ref: WorkloadRef): Promise<HpaState | null>;
  setHpaMinReplicas(ref: WorkloadRef, hpaName: string, minReplicas: number, resourceVersion: string): Promise<HpaState>;
  podCounts(ref: WorkloadRef): Promise<PodCounts>;
}
