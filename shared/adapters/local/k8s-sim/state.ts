import { PLACEHOLDER_PRIORITY_CLASS } from '#ports/cluster.ts';
import type { CapacityOptions, SimNode } from './capacity.ts';
import { deploymentKey, keyOf, SimCore } from './core.ts';
import type { GenericObjects } from './generic-store.ts';
import type { DeploymentChange, DeploymentSpec, HpaSeed, SimDeployment, SimHpa, SimPod, SimPriorityClass, SimStateOptions } from './objects.ts';
import { restoreSnapshot, type SimSnapshot, snapshotOf } from './persistence.ts';
import { renderDeployment, renderHpa } from './render.ts';
import { applyDeploymentChange, placeRunning, reconcilePods } from './replica-sets.ts';
import { advance, type StatusOf, settle, versionStatusChanges } from './stepping.ts';

export type { CapacityOptions, SimNode } from './capacity.ts';
export { UnknownPriorityClassError } from './core.ts';
export type {
  DeploymentChange,
  DeploymentSeed,
  DeploymentSpec,
  HpaSeed,
  SimContainer,
  SimContainerPort,
  SimDeployment,
  SimHpa,
  SimMeta,
  SimPod,
  SimPriorityClass,
  SimStateOptions,
} from './objects.ts';
export type { SimSnapshot } from './persistence.ts';

/**
 * The simulator's objects and the controllers that act on them: the ReplicaSet side (pods follow
 * replicas), rolling updates after a pod template change (rollout.ts), the scheduler and node
 * provisioner (capacity.ts), and the HPA loop, all on one clock.
 * Time moves only through advance() (stepping.ts), which evaluates everything up to now; the API
 * calls it on every request and every mutation calls it first, so there are no timers in here.
 * Pods are indexed with their counters (pod-index.ts), so a request costs what it touches.
 */
export class SimState {
  private readonly core: SimCore;
  private readonly statusOf: StatusOf = {
    deployment: (d) => renderDeployment(this, d).status,
    hpa: (h) => renderHpa(this, h).status,
  };

  constructor(options: SimStateOptions | number) {
    this.core = new SimCore(typeof options === 'number' ? { podReadyDelayMs: options } : options);
    const { initialNodes } = this.core.pool.options;
    if (initialNodes !== undefined) this.core.pool.addReadyNodes(initialNodes, this.core.time);
    this.addPriorityClass(PLACEHOLDER_PRIORITY_CLASS, -10, 'hms-sys placeholder pods: any pod with a higher priority preempts them.');
  }

  get resourceVersion(): string {
    return String(this.core.version);
  }

  get capacity(): Readonly<CapacityOptions> {
    return this.core.pool.options;
  }

  /** How far advance() has evaluated, in the clock's ms. */
  get time(): number {
    return this.core.time;
  }

  /** Evaluates everything up to the clock's now (stepping.ts). */
  advance(): void {
    advance(this.core, this.statusOf);
  }

  /** Called after anything that persists has changed. */
  onChange(listener: () => void): () => void {
    return this.core.onChange(listener);
  }

  /** Everything that persists (persistence.ts). */
  snapshot(): SimSnapshot {
    return snapshotOf(this.core);
  }

  /**
   * Takes up a saved cluster in place of this one's objects: status as of the saved moment, so the
   * first advance() gives a new resourceVersion to what moved while the sandbox was stopped.
   */
  resume(saved: SimSnapshot): void {
    const core = this.core;
    for (const key of [...core.deployments.keys()]) core.pods.dropDeployment(key);
    core.deployments.clear();
    core.hpas.clear();
    restoreSnapshot(core, saved);
    core.pods.promote(core.time);
    versionStatusChanges(core, this.statusOf);
  }

  /** The objects kept whole (generic-kinds.ts). */
  get objects(): GenericObjects {
    return this.core.objects;
  }

  /** The clock's time as the API writes timestamps. */
  timestamp(): string {
    return this.core.timestamp();
  }

  deployment(namespace: string, name: string): SimDeployment | undefined {
    return this.core.deployments.get(keyOf(namespace, name));
  }

  deploymentsIn(namespace: string): SimDeployment[] {
    return [...this.core.deployments.values()].filter((d) => d.namespace === namespace);
  }

  /** Every Deployment and HPA, for cluster-wide lists and watches. */
  allDeployments(): SimDeployment[] {
    return [...this.core.deployments.values()];
  }

  allHpas(): SimHpa[] {
    return [...this.core.hpas.values()];
  }

  hpa(namespace: string, name: string): SimHpa | undefined {
    return this.core.hpas.get(keyOf(namespace, name));
  }

  hpasIn(namespace: string): SimHpa[] {
    return [...this.core.hpas.values()].filter((h) => h.namespace === namespace);
  }

  podsOf(namespace: string, deployment: string): SimPod[] {
    return this.core.pods.of(keyOf(namespace, deployment));
  }

  podsIn(namespace: string): SimPod[] {
    return this.deploymentsIn(namespace).flatMap((d) => this.podsOf(namespace, d.name));
  }

  allPods(): SimPod[] {
    return this.core.pods.all();
  }

  /** Pods the scheduler has not placed yet. */
  pendingCount(): number {
    return this.core.pods.pendingCount;
  }

  nodes(): readonly SimNode[] {
    return this.core.pool.nodes;
  }

  isNodeReady(node: SimNode): boolean {
    return this.core.pool.isReady(node, this.core.time);
  }

  priorityClass(name: string): SimPriorityClass | undefined {
    return this.core.priorityClasses.get(name);
  }

  /** Ready as of the time advance() has reached. */
  isReady(pod: SimPod): boolean {
    return this.core.pods.isReady(pod);
  }

  /** Pods of a Deployment (status.replicas). */
  podCount(deployment: SimDeployment): number {
    return this.core.pods.countOf(deploymentKey(deployment));
  }

  readyCount(deployment: SimDeployment): number {
    return this.core.pods.readyOf(deploymentKey(deployment));
  }

  /** Pods of the template the controller has taken up (status.updatedReplicas). */
  updatedCount(deployment: SimDeployment): number {
    return this.core.pods.revisionCountOf(deploymentKey(deployment), deployment.observedRevision);
  }

  /** Pod template changes made to a Deployment since it was created (0 for an unknown one). */
  restarts(namespace: string, name: string): number {
    const deployment = this.deployment(namespace, name);
    return deployment ? deployment.templateRevision - 1 : 0;
  }

  /** Rollouts of a Deployment that finished (its first, when created through the API, included). */
  completedRollouts(namespace: string, name: string): number {
    return this.deployment(namespace, name)?.completedRollouts ?? 0;
  }

  templateAnnotations(namespace: string, name: string): Readonly<Record<string, string>> | undefined {
    const annotations = this.deployment(namespace, name)?.templateAnnotations;
    return annotations === undefined ? undefined : { ...annotations };
  }

  /**
   * Adds a Deployment. Seeded ones (podsReady) start as a workload that was running: their pods
   * are on Ready nodes and Ready, with nodes added for them unless initialNodes was set.
   */
  addDeployment(spec: DeploymentSpec, { podsReady }: { podsReady: boolean }): SimDeployment {
    return this.mutate(() => {
      const core = this.core;
      const deployment: SimDeployment = {
        ...core.newMeta(spec.namespace, spec.name),
        generation: 1,
        labels: spec.labels ?? { app: spec.name },
        replicas: spec.replicas,
        containers: spec.containers ?? [{ name: spec.name, image: `${spec.name}:latest`, requests: definedOnly(spec.podRequests ?? {}) }],
        priorityClassName: spec.priorityClassName,
        priority: core.priorityValue(spec.priorityClassName),
        terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
        templateAnnotations: { ...spec.templateAnnotations },
        ...(spec.selector ? { selector: { ...spec.selector } } : {}),
        ...(spec.metadataLabels ? { metadataLabels: { ...spec.metadataLabels } } : {}),
        ...(spec.annotations && Object.keys(spec.annotations).length > 0 ? { annotations: { ...spec.annotations } } : {}),
        ...(spec.managedFields ? { managedFields: spec.managedFields } : {}),
        templateRevision: 1,
        observedGeneration: 1,
        observedRevision: 1,
        // A Deployment created through the API rolls out its first pods; a seeded one was running.
        rollingOut: !podsReady,
        completedRollouts: 0,
      };
      core.deployments.set(deploymentKey(deployment), deployment);
      if (deployment.rollingOut) core.rollingOut.add(deployment);
      core.touch(deployment);
      // A seeded workload was running with all its pods; one created through the API grows a burst per sync.
      const { created } = reconcilePods(core, deployment, podsReady);
      if (podsReady) placeRunning(core, created);
      return deployment;
    });
  }

  setReplicas(deployment: SimDeployment, replicas: number): void {
    if (deployment.replicas === replicas) return;
    this.updateDeployment(deployment, { ...deployment, replicas });
  }

  /** A spec change (replica-sets.ts); a pod template change rolls the pods from the next advance(). */
  updateDeployment(deployment: SimDeployment, change: DeploymentChange): void {
    // Refuse an unknown PriorityClass before time moves, as admission would.
    this.core.priorityValue(change.priorityClassName);
    this.mutate(() => applyDeploymentChange(this.core, deployment, change));
  }

  /** Deletes a Deployment and its pods at once, as with a zero grace period. */
  deleteDeployment(deployment: SimDeployment): void {
    this.mutate(() => {
      const core = this.core;
      const key = deploymentKey(deployment);
      core.deployments.delete(key);
      core.pods.dropDeployment(key);
      for (const set of [core.replacing, core.rollingOut, core.unobserved, core.shortOfPods]) set.delete(deployment);
      core.touch(deployment);
      core.nextVersion();
    });
  }

  /** The PriorityClass value for a name; throws for an unknown one, as pod admission would. */
  priorityValue(className: string | undefined): number {
    return this.core.priorityValue(className);
  }

  addHpa(seed: HpaSeed): SimHpa {
    const target = this.deployment(seed.namespace, seed.deployment);
    const hpa: SimHpa = {
      ...this.core.newMeta(seed.namespace, seed.name),
      deployment: seed.deployment,
      minReplicas: seed.minReplicas,
      maxReplicas: seed.maxReplicas,
      desiredReplicas: target?.replicas ?? seed.minReplicas,
    };
    this.core.hpas.set(keyOf(seed.namespace, seed.name), hpa);
    this.core.touchedHpas.add(keyOf(seed.namespace, seed.name));
    return hpa;
  }

  updateHpa(hpa: SimHpa, change: Pick<SimHpa, 'deployment' | 'minReplicas' | 'maxReplicas'>): void {
    if (hpa.deployment === change.deployment && hpa.minReplicas === change.minReplicas && hpa.maxReplicas === change.maxReplicas) {
      return;
    }
    Object.assign(hpa, change);
    hpa.resourceVersion = this.core.nextVersion();
    this.core.touchedHpas.add(keyOf(hpa.namespace, hpa.name));
  }

  /** Catches up with now, applies the change at now, then schedules what it left Pending. */
  private mutate<T>(change: () => T): T {
    this.advance();
    const result = change();
    settle(this.core);
    return result;
  }

  private addPriorityClass(name: string, value: number, description: string): void {
    this.core.priorityClasses.set(name, { name, value, description, ...this.core.newClusterMeta() });
  }
}

function definedOnly(requests: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(requests).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
