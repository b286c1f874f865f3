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
  /** Pods the scheduler has not placed on a node yet (phase Pending, unscheduled). */
  pending: number;
}

/** What one pod asks of a node: the sum of its containers' resource requests. */
import type { PodRequests } from '#domain/cost.ts';

export type { PodRequests };

/** A Deployment's replicas and the requests of its pod template. */
export interface Workload {
  replicas: number;
  readyReplicas: number;
  podRequests: PodRequests;
}

/** Placeholder pods that hold warm node capacity for a Deployment ahead of a burst. */
export interface PlaceholderSpec {
  replicas: number;
  podRequests: PodRequests;
}

/** The cluster's schedulable nodes, as the Kubernetes API lists them. */
export interface NodeCapacity {
  /** Ready, schedulable nodes. */
  nodes: number;
  /** The smallest allocatable pod count among them (status.allocatable.pods). */
  podsPerNode: number;
  /** Pods already bound to those nodes. */
  podsScheduled: number;
}

/**
 * The part of the Kubernetes API the controller uses.
 * setScale writes an absolute count with no precondition (the caller orders its writers); the
 * HPA write carries the resourceVersion that was read, and a stale one throws ClusterConflictError.
 * Transient faults (429, 5xx, timeouts) are retried inside the adapter and surface as
 * ClusterUnavailableError once retries are spent.
 */
export interface Cluster {
  getScale(ref: WorkloadRef): Promise<ScaleState>;
  setScale(ref: WorkloadRef, replicas: number): Promise<ScaleState>;
  findHpa(ref: WorkloadRef): Promise<HpaState | null>;
  setHpaMinReplicas(ref: WorkloadRef, hpaName: string, minReplicas: number, resourceVersion: string): Promise<HpaState>;
  podCounts(ref: WorkloadRef): Promise<PodCounts>;
  getWorkload(ref: WorkloadRef): Promise<Workload>;
  /** spec.replicas of the workload's placeholder Deployment; 0 when it has none. */
  placeholderReplicas(ref: WorkloadRef): Promise<number>;
}

/** The Cluster port plus placeholder Deployments and node capacity, for the functions that run bursts. */
export interface CapacityCluster extends Cluster {
  /**
   * Creates or resizes the workload's placeholder Deployment `<namespace>-<deployment>-<hash8>-hms-warm`
   * (hash8: 8 hex digits of a SHA-256 of `<namespace>/<deployment>`; the readable part is cut to
   * keep a DNS label) in PLACEHOLDER_NAMESPACE: pause containers sized like its pods, with the
   * negative PriorityClass `hms-sys-overprovisioning`, so the workload's own pods preempt them.
   */
  ensurePlaceholders(ref: WorkloadRef, spec: PlaceholderSpec): Promise<void>;
  /** Deletes the placeholder Deployment; absent is fine. */
  removePlaceholders(ref: WorkloadRef): Promise<void>;
  nodeCapacity(cluster: string): Promise<NodeCapacity>;
}

/** The suffix of a workload's placeholder Deployment. */
export const PLACEHOLDER_SUFFIX = '-hms-warm';
/**
 * The one namespace placeholder Deployments live in, whatever the workload's namespace, so that
 * RBAC can grant creating and rewriting Deployments there and nowhere else.
 */
export const PLACEHOLDER_NAMESPACE = 'hms-sys-placeholders';
/** The PriorityClass placeholders run under; its value is negative, so any real pod preempts them. */
export const PLACEHOLDER_PRIORITY_CLASS = 'hms-sys-overprovisioning';

/** The pod template annotation a restart sets; its value is the secret version the pods should load. */
export const SECRET_VERSION_ANNOTATION = 'hms.sys/secret-version';

/** A pod template annotation: the key and the value a restart writes. */
export interface TemplateAnnotation {
  key: string;
  value: string;
}

/** Where a Deployment's rollout stands, from its spec and status. */
export interface RolloutStatus {
  /** spec.replicas. */
  desired: number;
  /** Pods of the current pod template (status.updatedReplicas). */
  updated: number;
  ready: number;
  available: number;
  /**
   * As `kubectl rollout status` judges it: the controller has observed the latest spec
   * (observedGeneration ≥ generation), every desired pod is of the current template, no old pod
   * is left, and every updated pod is available.
   */
  done: boolean;
}

/** The Cluster port plus rolling restarts of Deployments, for the functions that restart consumers after a rotation. */
export interface RestartCluster extends Cluster {
  /**
   * Reads the Deployment; when its pod template already carries annotation.key = annotation.value,
   * answers 'unchanged' and writes nothing. Otherwise merge-patches the annotation onto the pod
   * template, guarded by the resourceVersion it read (a stale one throws ClusterConflictError; the
   * caller reads again), and Kubernetes rolls the pods.
   */
  restartWorkload(ref: WorkloadRef, annotation: TemplateAnnotation): Promise<'restarted' | 'unchanged'>;
  /** The value of one pod template annotation of the Deployment, null when it has none; throws ClusterNotFoundError. */
  templateAnnotation(ref: WorkloadRef, key: string): Promise<string | null>;
  rolloutStatus(ref: WorkloadRef): Promise<RolloutStatus>;
  /**
   * How many Deployments in these namespaces are rolling out now: a spec change the controller
   * has not observed yet, or a rollout it is still progressing. A scale-up, a Deployment that lost
   * pods after its rollout completed, a paused one and one past its progress deadline do not
   * count; nor do hms-sys placeholder Deployments. One list call per namespace (paged), no
   * cluster-wide list.
   */
  rollingOutIn(cluster: string, namespaces: readonly string[]): Promise<number>;
}
