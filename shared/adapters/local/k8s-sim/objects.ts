/** The simulator's object shapes: what SimState keeps and the API renders. */
import type { Clock } from '#ports/clock.ts';
import type { CapacityOptions } from './capacity.ts';

/** Fields every simulated object carries in its metadata. */
export interface SimMeta {
  namespace: string;
  name: string;
  uid: string;
  creationTimestamp: string;
  resourceVersion: string;
}

/** One container of a pod template; requests are Kubernetes quantities ('500m', '1Gi'). */
export interface SimContainer {
  name: string;
  image: string;
  requests: Record<string, string>;
  /** Container ports; absent when the template names none. */
  ports?: SimContainerPort[];
}

export interface SimContainerPort {
  name?: string;
  containerPort: number;
  protocol: string;
}

export interface SimDeployment extends SimMeta {
  generation: number;
  /** The pod template's labels (and of the pods); always include app=<name> when seeded. */
  labels: Record<string, string>;
  /** spec.selector.matchLabels, immutable; absent, it is `labels` (a seeded Deployment). */
  selector?: Record<string, string>;
  /** metadata.managedFields (field-manager.ts); absent for a seeded Deployment. */
  managedFields?: unknown[];
  replicas: number;
  containers: SimContainer[];
  priorityClassName?: string;
  /** The value of priorityClassName's PriorityClass (0 without one); new pods take it. */
  priority: number;
  terminationGracePeriodSeconds?: number;
  /** spec.template.metadata.annotations. */
  templateAnnotations: Record<string, string>;
  /** metadata.labels once a patch changed them (the selector and pods keep `labels`); absent, they are `labels`. */
  metadataLabels?: Record<string, string>;
  /** metadata.annotations; absent until a patch sets some. */
  annotations?: Record<string, string>;
  /** Bumped by every pod template change; each pod carries the revision it was made from. */
  templateRevision: number;
  /** The generation and template revision the Deployment controller has acted on; it catches up at the next advance(). */
  observedGeneration: number;
  observedRevision: number;
  /** From an observed template change (or creation through the API) until every pod is of it and Ready. */
  rollingOut: boolean;
  /** Rollouts that reached that point. */
  completedRollouts: number;
}

export interface SimHpa extends SimMeta {
  deployment: string;
  minReplicas: number;
  maxReplicas: number;
  /** What the HPA itself wants: set from the target when created, changed only by clamping to min/max. */
  desiredReplicas: number;
}

export interface SimPod extends SimMeta {
  deployment: string;
  labels: Record<string, string>;
  /** Creation order, for scheduling and victim choice. */
  seq: number;
  /** The Deployment's templateRevision the pod was made from. */
  revision: number;
  priority: number;
  /** Simulator time (ms) of creation. */
  createdAt: number;
  /** Set once the scheduler binds the pod; the pod is Ready podReadyDelayMs after scheduledAt. */
  nodeName?: string;
  scheduledAt?: number;
}

export interface SimPriorityClass {
  name: string;
  uid: string;
  creationTimestamp: string;
  resourceVersion: string;
  value: number;
  description: string;
}

export interface DeploymentSeed {
  namespace: string;
  name: string;
  replicas: number;
  labels?: Record<string, string>;
  /** Requests of the pod's one container, as Kubernetes quantities. */
  podRequests?: { cpu?: string; memory?: string };
  priorityClassName?: string;
  templateAnnotations?: Record<string, string>;
}

/** A Deployment as the API creates it: a seed, or explicit containers. */
export interface DeploymentSpec extends DeploymentSeed {
  containers?: SimContainer[];
  terminationGracePeriodSeconds?: number;
  selector?: Record<string, string>;
  metadataLabels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: unknown[];
}

export type DeploymentChange = Pick<SimDeployment, 'replicas' | 'containers' | 'priorityClassName' | 'templateAnnotations'> &
  Partial<Pick<SimDeployment, 'metadataLabels' | 'annotations' | 'labels' | 'managedFields'>>;

/** The Deployment's spec.selector.matchLabels. */
export const selectorOf = (d: SimDeployment): Record<string, string> => d.selector ?? d.labels;

/** The Deployment's metadata.labels. */
export const metadataLabelsOf = (d: SimDeployment): Record<string, string> => d.metadataLabels ?? d.labels;

export interface HpaSeed {
  namespace: string;
  name: string;
  deployment: string;
  minReplicas: number;
  maxReplicas: number;
}

export interface SimStateOptions {
  podReadyDelayMs: number;
  /**
   * The simulator's clock: pod readiness, node provisioning and HPA syncs follow it, and
   * creationTimestamps read it. The sandbox passes its own, so tests move one clock for everything.
   */
  clock?: Clock;
  /** A bare virtual clock in ms, for benchmarks and unit tests (timestamps stay real); the system clock when neither is given. */
  now?: () => number;
  /**
   * How often the HPA controller syncs, on the same clock: 1,000 ms by default, compressed like the
   * sandbox's other delays; a real cluster's --horizontal-pod-autoscaler-sync-period is 15 s
   * (https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/).
   */
  hpaSyncMs?: number;
  /**
   * Defaults: 30 pods per node, at most 100 nodes, just enough initial nodes for the seeded pods,
   * and the benchmark ratios scaled to podReadyDelayMs (pod Ready 20 s, node 90 s, batch 1 s):
   * nodeProvisioningDelayMs = 4.5 × podReadyDelayMs, batchWindowMs = podReadyDelayMs / 20.
   */
  capacity?: Partial<CapacityOptions>;
}
