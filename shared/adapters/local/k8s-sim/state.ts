import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { PLACEHOLDER_PRIORITY_CLASS } from '#ports/cluster.ts';
import { NodePool, type CapacityOptions, type SimNode } from './capacity.ts';

export type { CapacityOptions, SimNode } from './capacity.ts';

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
}

export interface SimDeployment extends SimMeta {
  generation: number;
  /** Labels of the Deployment and of its pods; always include app=<name> when seeded. */
  labels: Record<string, string>;
  replicas: number;
  containers: SimContainer[];
  priorityClassName?: string;
  /** The value of priorityClassName's PriorityClass (0 without one); new pods take it. */
  priority: number;
  terminationGracePeriodSeconds?: number;
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
}

/** A Deployment as the API creates it: a seed, or explicit containers. */
export interface DeploymentSpec extends DeploymentSeed {
  containers?: SimContainer[];
  terminationGracePeriodSeconds?: number;
}

export type DeploymentChange = Pick<SimDeployment, 'replicas' | 'containers' | 'priorityClassName'>;

export interface HpaSeed {
  namespace: string;
  name: string;
  deployment: string;
  minReplicas: number;
  maxReplicas: number;
}

export interface SimStateOptions {
  podReadyDelayMs: number;
  /** The simulator's clock in ms; performance.now() by default. A benchmark passes a virtual one. */
  now?: () => number;
  /**
   * Defaults: 30 pods per node, at most 100 nodes, just enough initial nodes for the seeded pods,
   * and the benchmark ratios scaled to podReadyDelayMs (pod Ready 20 s, node 90 s, batch 1 s):
   * nodeProvisioningDelayMs = 4.5 × podReadyDelayMs, batchWindowMs = podReadyDelayMs / 20.
   */
  capacity?: Partial<CapacityOptions>;
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * The simulator's objects and the controllers that act on them: the ReplicaSet side (pods follow
 * replicas), the scheduler and node provisioner (capacity.ts), and the HPA loop.
 * Time moves only through advance(), which evaluates everything up to now(); the API calls it on
 * every request and every mutation calls it first, so there are no timers in here. Pod readiness is
 * derived from scheduledAt when read, so it does not bump resourceVersions.
 */
export class SimState {
  private version = 0;
  private podSeq = 0;
  private readonly deployments = new Map<string, SimDeployment>();
  private readonly hpas = new Map<string, SimHpa>();
  private readonly pods = new Map<string, SimPod[]>();
  private readonly priorityClasses = new Map<string, SimPriorityClass>();
  private readonly pool: NodePool;
  private readonly podReadyDelayMs: number;
  private readonly now: () => number;
  /** How far advance() has evaluated. */
  private time: number;

  constructor(options: SimStateOptions | number) {
    const { podReadyDelayMs, now, capacity = {} } = typeof options === 'number' ? { podReadyDelayMs: options } : options;
    this.podReadyDelayMs = podReadyDelayMs;
    this.now = now ?? (() => performance.now());
    this.time = this.now();
    this.pool = new NodePool(
      {
        podsPerNode: capacity.podsPerNode ?? 30,
        initialNodes: capacity.initialNodes,
        maxNodes: capacity.maxNodes ?? 100,
        nodeProvisioningDelayMs: capacity.nodeProvisioningDelayMs ?? podReadyDelayMs * 4.5,
        batchWindowMs: capacity.batchWindowMs ?? podReadyDelayMs / 20,
      },
      () => this.newClusterMeta(),
    );
    if (capacity.initialNodes !== undefined) this.pool.addReadyNodes(capacity.initialNodes, this.time);
    this.addPriorityClass(PLACEHOLDER_PRIORITY_CLASS, -10, 'hms-sys placeholder pods: any pod with a higher priority preempts them.');
  }

  get resourceVersion(): string {
    return String(this.version);
  }

  get capacity(): Readonly<CapacityOptions> {
    return this.pool.options;
  }

  /** Evaluates node launches, node readiness and scheduling up to now(). */
  advance(): void {
    const target = this.now();
    for (;;) {
      const next = this.pool.nextEventAfter(this.time);
      if (next === undefined || next > target) break;
      this.time = Math.max(this.time, next);
      this.pool.closeBatchIfDue(this.time, this.pendingCount());
      this.schedule();
    }
    this.time = Math.max(this.time, target);
    this.schedule();
  }

  deployment(namespace: string, name: string): SimDeployment | undefined {
    return this.deployments.get(keyOf(namespace, name));
  }

  deploymentsIn(namespace: string): SimDeployment[] {
    return [...this.deployments.values()].filter((d) => d.namespace === namespace);
  }

  hpa(namespace: string, name: string): SimHpa | undefined {
    return this.hpas.get(keyOf(namespace, name));
  }

  hpasIn(namespace: string): SimHpa[] {
    return [...this.hpas.values()].filter((h) => h.namespace === namespace);
  }

  podsOf(namespace: string, deployment: string): SimPod[] {
    return this.pods.get(keyOf(namespace, deployment)) ?? [];
  }

  podsIn(namespace: string): SimPod[] {
    return this.deploymentsIn(namespace).flatMap((d) => this.podsOf(namespace, d.name));
  }

  allPods(): SimPod[] {
    return [...this.pods.values()].flat();
  }

  /** Pods the scheduler has not placed yet. */
  pendingCount(): number {
    return this.allPods().filter((p) => p.nodeName === undefined).length;
  }

  nodes(): readonly SimNode[] {
    return this.pool.nodes;
  }

  isNodeReady(node: SimNode): boolean {
    return this.pool.isReady(node, this.now());
  }

  priorityClass(name: string): SimPriorityClass | undefined {
    return this.priorityClasses.get(name);
  }

  isReady(pod: SimPod): boolean {
    return pod.scheduledAt !== undefined && this.now() - pod.scheduledAt >= this.podReadyDelayMs;
  }

  readyCount(deployment: SimDeployment): number {
    return this.podsOf(deployment.namespace, deployment.name).filter((p) => this.isReady(p)).length;
  }

  /**
   * Adds a Deployment. Seeded ones (podsReady) start as a workload that was running: their pods
   * are on Ready nodes and Ready, with nodes added for them unless initialNodes was set.
   */
  addDeployment(spec: DeploymentSpec, { podsReady }: { podsReady: boolean }): SimDeployment {
    return this.mutate(() => {
      const deployment: SimDeployment = {
        ...this.newMeta(spec.namespace, spec.name),
        generation: 1,
        labels: spec.labels ?? { app: spec.name },
        replicas: spec.replicas,
        containers: spec.containers ?? [{ name: spec.name, image: `${spec.name}:latest`, requests: definedOnly(spec.podRequests ?? {}) }],
        priorityClassName: spec.priorityClassName,
        priority: this.priorityValue(spec.priorityClassName),
        terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
      };
      this.deployments.set(keyOf(spec.namespace, spec.name), deployment);
      const created = this.reconcilePods(deployment);
      if (podsReady) this.placeRunning(created);
      return deployment;
    });
  }

  setReplicas(deployment: SimDeployment, replicas: number): void {
    if (deployment.replicas === replicas) return;
    this.updateDeployment(deployment, { replicas, containers: deployment.containers, priorityClassName: deployment.priorityClassName });
  }

  /** A spec change; pods that exist keep their priority, new ones take the new one. */
  updateDeployment(deployment: SimDeployment, change: DeploymentChange): void {
    const same =
      deployment.replicas === change.replicas &&
      deployment.priorityClassName === change.priorityClassName &&
      JSON.stringify(deployment.containers) === JSON.stringify(change.containers);
    if (same) return;
    const priority = this.priorityValue(change.priorityClassName);
    this.mutate(() => {
      Object.assign(deployment, { replicas: change.replicas, containers: change.containers, priorityClassName: change.priorityClassName, priority });
      deployment.generation += 1;
      deployment.resourceVersion = this.nextVersion();
      this.reconcilePods(deployment);
    });
  }

  /** Deletes a Deployment and its pods at once, as with a zero grace period. */
  deleteDeployment(deployment: SimDeployment): void {
    this.mutate(() => {
      const key = keyOf(deployment.namespace, deployment.name);
      this.deployments.delete(key);
      this.pods.delete(key);
      this.nextVersion();
    });
  }

  /** The PriorityClass value for a name; throws for an unknown one, as pod admission would. */
  priorityValue(className: string | undefined): number {
    if (className === undefined) return 0;
    const found = this.priorityClasses.get(className);
    if (!found) throw new UnknownPriorityClassError(className);
    return found.value;
  }

  addHpa(seed: HpaSeed): SimHpa {
    const target = this.deployment(seed.namespace, seed.deployment);
    const hpa: SimHpa = {
      ...this.newMeta(seed.namespace, seed.name),
      deployment: seed.deployment,
      minReplicas: seed.minReplicas,
      maxReplicas: seed.maxReplicas,
      desiredReplicas: target?.replicas ?? seed.minReplicas,
    };
    this.hpas.set(keyOf(seed.namespace, seed.name), hpa);
    return hpa;
  }

  updateHpa(hpa: SimHpa, change: Pick<SimHpa, 'deployment' | 'minReplicas' | 'maxReplicas'>): void {
    if (hpa.deployment === change.deployment && hpa.minReplicas === change.minReplicas && hpa.maxReplicas === change.maxReplicas) {
      return;
    }
    Object.assign(hpa, change);
    hpa.resourceVersion = this.nextVersion();
  }

  /** One pass of the HPA controller: clamp each HPA's desired count and impose it on its target. */
  syncHpas(): void {
    for (const hpa of this.hpas.values()) {
      const desired = Math.min(hpa.maxReplicas, Math.max(hpa.minReplicas, hpa.desiredReplicas));
      if (desired !== hpa.desiredReplicas) {
        hpa.desiredReplicas = desired;
        hpa.resourceVersion = this.nextVersion();
      }
      const target = this.deployment(hpa.namespace, hpa.deployment);
      if (target) this.setReplicas(target, desired);
    }
  }

  /** Catches up with now(), applies the change at now(), then schedules what it left Pending. */
  private mutate<T>(change: () => T): T {
    this.advance();
    const result = change();
    this.schedule();
    return result;
  }

  private schedule(): void {
    this.pool.schedule(this.time, {
      all: () => this.allPods(),
      preempt: (victim) => {
        const key = keyOf(victim.namespace, victim.deployment);
        this.pods.set(key, this.podsOf(victim.namespace, victim.deployment).filter((p) => p !== victim));
        const owner = this.deployment(victim.namespace, victim.deployment);
        if (owner) this.reconcilePods(owner);
      },
    });
  }

  /** Seeded pods: on free slots of Ready nodes (added as needed without initialNodes), already Ready. */
  private placeRunning(pods: SimPod[]): void {
    const all = this.allPods();
    const scheduledAt = this.time - this.podReadyDelayMs;
    const left = this.pool.placeRunning(pods, all, this.time, scheduledAt);
    if (left.length === 0 || this.pool.options.initialNodes !== undefined) return;
    this.pool.addReadyNodes(Math.ceil(left.length / this.pool.options.podsPerNode), this.time);
    this.pool.placeRunning(left, all, this.time, scheduledAt);
  }

  /**
   * Creates or removes pods until they match replicas, as a ReplicaSet does: unscheduled pods go
   * first, then not-ready ones, then the newest. Returns the pods it created.
   */
  private reconcilePods(deployment: SimDeployment): SimPod[] {
    const key = keyOf(deployment.namespace, deployment.name);
    const pods = [...(this.pods.get(key) ?? [])];
    const created: SimPod[] = [];
    while (pods.length < deployment.replicas) {
      const suffix = randomUUID().replace(/-/g, '').slice(0, 5);
      const pod: SimPod = {
        ...this.newMeta(deployment.namespace, `${deployment.name}-${suffix}`),
        deployment: deployment.name,
        labels: { ...deployment.labels },
        seq: ++this.podSeq,
        priority: deployment.priority,
        createdAt: this.time,
      };
      pods.push(pod);
      created.push(pod);
    }
    if (pods.length > deployment.replicas) {
      const rank = (p: SimPod) => (p.nodeName === undefined ? 0 : this.isReady(p) ? 2 : 1);
      pods.sort((a, b) => rank(a) - rank(b) || b.seq - a.seq);
      pods.splice(0, pods.length - deployment.replicas);
    }
    this.pods.set(key, pods);
    return created;
  }

  private addPriorityClass(name: string, value: number, description: string): void {
    this.priorityClasses.set(name, { name, value, description, ...this.newClusterMeta() });
  }

  private newMeta(namespace: string, name: string): SimMeta {
    return { namespace, name, ...this.newClusterMeta() };
  }

  private newClusterMeta() {
    return {
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      resourceVersion: this.nextVersion(),
    };
  }

  private nextVersion(): string {
    this.version += 1;
    return String(this.version);
  }
}

/** A pod template names a PriorityClass the cluster does not have. */
export class UnknownPriorityClassError extends Error {
  constructor(readonly className: string) {
    super(`no PriorityClass with name ${className} was found`);
    this.name = 'UnknownPriorityClassError';
  }
}

function definedOnly(requests: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(requests).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
