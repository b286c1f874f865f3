import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { PLACEHOLDER_PRIORITY_CLASS } from '#ports/cluster.ts';
import { NodePool, type CapacityOptions, type SimNode } from './capacity.ts';
import { renderDeployment, renderHpa } from './render.ts';
import { excessPods, oldPodsToDelete, podsToCreate, type RolloutCounts } from './rollout.ts';

export type { CapacityOptions, SimNode } from './capacity.ts';

export type { SimMeta, SimContainer, SimDeployment, SimHpa, SimPod, SimPriorityClass, DeploymentSeed, DeploymentSpec, DeploymentChange, HpaSeed, SimStateOptions } from './objects.ts';
import type { DeploymentChange, DeploymentSpec, HpaSeed, SimDeployment, SimHpa, SimMeta, SimPod, SimPriorityClass, SimStateOptions } from './objects.ts';

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * The simulator's objects and the controllers that act on them: the ReplicaSet side (pods follow
 * replicas), rolling updates after a pod template change (rollout.ts), the scheduler and node
 * provisioner (capacity.ts), and the HPA loop.
 * Time moves only through advance(), which evaluates everything up to now(); the API calls it on
 * every request and every mutation calls it first, so there are no timers in here. Pod readiness is
 * derived from scheduledAt when read; whenever what a Deployment's or an HPA's status shows has
 * changed, advance() gives the object a new resourceVersion, as the controllers' status writes do.
 */
export class SimState {
  private version = 0;
  private podSeq = 0;
  private readonly deployments = new Map<string, SimDeployment>();
  private readonly hpas = new Map<string, SimHpa>();
  private readonly pods = new Map<string, SimPod[]>();
  private readonly priorityClasses = new Map<string, SimPriorityClass>();
  /** Deployments whose pods are being replaced: some are of an older template. */
  private readonly replacing = new Set<SimDeployment>();
  /** The status each Deployment and HPA showed when its resourceVersion last moved. */
  private readonly shownStatus = new WeakMap<SimDeployment | SimHpa, string>();
  /** statusInputs() when versionStatusChanges() last rendered every status. */
  private statusPassInputs = '';
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

  /**
   * Evaluates up to now(): the Deployment controller takes up spec changes made since the last
   * call, then node launches, node readiness, scheduling, and the steps of rolling updates as
   * their new pods turn Ready.
   */
  advance(): void {
    const target = this.now();
    // The controller reacts to a change right after it was made, before time moves on.
    if (this.observeChanges()) this.settle();
    for (;;) {
      const next = earliest(this.pool.nextEventAfter(this.time), this.nextReplacementAfter(this.time));
      if (next === undefined || next > target) break;
      this.time = Math.max(this.time, next);
      this.pool.closeBatchIfDue(this.time, this.pendingCount());
      this.settle();
    }
    this.time = Math.max(this.time, target);
    this.settle();
    this.versionStatusChanges();
  }

  /**
   * The Deployment and HPA controllers write status (pods created, Ready, updated; observed
   * generation; conditions) through the API, and every write to etcd-backed storage moves the
   * object's resourceVersion: https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions
   * So any change in the rendered status gets a new resourceVersion here; during a ramp or a
   * rollout that is every time a pod is created, turns Ready or goes.
   */
  private versionStatusChanges(): void {
    // Rendering every status on every request costs O(objects) per call; skip the pass when nothing
    // a status shows can have moved since the last one: no write, no pod created, scheduled, replaced or turned Ready.
    const inputs = this.statusInputs();
    if (inputs === this.statusPassInputs) return;
    const bump = (object: SimDeployment | SimHpa, status: unknown) => {
      const shown = JSON.stringify(status);
      const before = this.shownStatus.get(object);
      this.shownStatus.set(object, shown);
      if (before !== undefined && before !== shown) object.resourceVersion = this.nextVersion();
    };
    for (const deployment of this.deployments.values()) bump(deployment, renderDeployment(this, deployment).status);
    for (const hpa of this.hpas.values()) bump(hpa, renderHpa(this, hpa).status);
    // The key read before rendering: a pod turning Ready meanwhile makes the next pass run again.
    this.statusPassInputs = inputs;
  }

  /** What every Deployment's and HPA's status is computed from, summed: cheap next to rendering them. */
  private statusInputs(): string {
    let pods = 0;
    let scheduled = 0;
    let ready = 0;
    let revisions = 0;
    for (const list of this.pods.values()) {
      for (const pod of list) {
        pods += 1;
        revisions += pod.revision;
        if (pod.scheduledAt !== undefined) scheduled += 1;
        if (this.isReady(pod)) ready += 1;
      }
    }
    return `${this.version}|${pods}|${scheduled}|${ready}|${revisions}`;
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

  /** Pods of the template the controller has taken up (status.updatedReplicas). */
  updatedCount(deployment: SimDeployment): number {
    return this.podsOf(deployment.namespace, deployment.name).filter((p) => p.revision === deployment.observedRevision).length;
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
      const deployment: SimDeployment = {
        ...this.newMeta(spec.namespace, spec.name),
        generation: 1,
        labels: spec.labels ?? { app: spec.name },
        replicas: spec.replicas,
        containers: spec.containers ?? [{ name: spec.name, image: `${spec.name}:latest`, requests: definedOnly(spec.podRequests ?? {}) }],
        priorityClassName: spec.priorityClassName,
        priority: this.priorityValue(spec.priorityClassName),
        terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
        templateAnnotations: { ...spec.templateAnnotations },
        templateRevision: 1,
        observedGeneration: 1,
        observedRevision: 1,
        // A Deployment created through the API rolls out its first pods; a seeded one was running.
        rollingOut: !podsReady,
        completedRollouts: 0,
      };
      this.deployments.set(keyOf(spec.namespace, spec.name), deployment);
      const created = this.reconcilePods(deployment);
      if (podsReady) this.placeRunning(created);
      return deployment;
    });
  }

  setReplicas(deployment: SimDeployment, replicas: number): void {
    if (deployment.replicas === replicas) return;
    const { containers, priorityClassName, templateAnnotations } = deployment;
    this.updateDeployment(deployment, { replicas, containers, priorityClassName, templateAnnotations });
  }

  /**
   * A spec change. A new replica count takes effect at once on the pods of the template being
   * rolled out; a pod template change (containers, priorityClassName, annotations) starts a rolling
   * update when the controller observes it, at the next advance(). New pods take the new priority.
   */
  updateDeployment(deployment: SimDeployment, change: DeploymentChange): void {
    const templateChanged =
      deployment.priorityClassName !== change.priorityClassName ||
      JSON.stringify(deployment.containers) !== JSON.stringify(change.containers) ||
      !sameStrings(deployment.templateAnnotations, change.templateAnnotations);
    if (deployment.replicas === change.replicas && !templateChanged) return;
    const priority = this.priorityValue(change.priorityClassName);
    this.mutate(() => {
      Object.assign(deployment, {
        replicas: change.replicas,
        containers: change.containers,
        priorityClassName: change.priorityClassName,
        templateAnnotations: { ...change.templateAnnotations },
        priority,
      });
      deployment.generation += 1;
      if (templateChanged) deployment.templateRevision += 1;
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
      this.replacing.delete(deployment);
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
    this.settle();
    return result;
  }

  /** Schedules Pending pods and takes rolling updates as far as they can go at this time. */
  private settle(): void {
    this.schedule();
    // Each pass creates or deletes pods; with podReadyDelayMs 0 new pods are Ready at once and a rollout may take several.
    for (let pass = 0; pass < 10_000 && this.stepRollouts(); pass++) this.schedule();
    this.completeRollouts();
  }

  /** The controller takes up spec changes: a new template revision starts a rolling update. True when one did. */
  private observeChanges(): boolean {
    let started = false;
    for (const deployment of this.deployments.values()) {
      if (deployment.observedGeneration >= deployment.generation) continue;
      deployment.observedGeneration = deployment.generation;
      if (deployment.observedRevision === deployment.templateRevision) continue;
      deployment.observedRevision = deployment.templateRevision;
      deployment.rollingOut = true;
      this.replacing.add(deployment);
      started = true;
    }
    return started;
  }

  /** One step of every rolling update; true when some pod was created or deleted. */
  private stepRollouts(): boolean {
    let changed = false;
    for (const deployment of this.replacing) {
      const before = this.podsOf(deployment.namespace, deployment.name);
      this.reconcilePods(deployment);
      const after = this.podsOf(deployment.namespace, deployment.name);
      if (after.length !== before.length || after.some((p, i) => p !== before[i])) changed = true;
      if (after.every((p) => p.revision === deployment.observedRevision)) this.replacing.delete(deployment);
    }
    return changed;
  }

  /** A rollout is complete when every pod is of the current template, there are replicas of them, and all are Ready. */
  private completeRollouts(): void {
    for (const deployment of this.deployments.values()) {
      if (!deployment.rollingOut || this.replacing.has(deployment)) continue;
      const pods = this.podsOf(deployment.namespace, deployment.name);
      if (pods.length === deployment.replicas && pods.every((p) => this.readyAtTime(p))) {
        deployment.rollingOut = false;
        deployment.completedRollouts += 1;
      }
    }
  }

  /** When the next pod of a rolling update turns Ready after `time`: old pods may go then. */
  private nextReplacementAfter(time: number): number | undefined {
    let next: number | undefined;
    for (const deployment of this.replacing) {
      for (const pod of this.podsOf(deployment.namespace, deployment.name)) {
        if (pod.scheduledAt === undefined) continue;
        const readyAt = pod.scheduledAt + this.podReadyDelayMs;
        if (readyAt > time) next = earliest(next, readyAt);
      }
    }
    return next;
  }

  /** Ready as of the time advance() has reached, which may be behind now() while it steps through events. */
  private readyAtTime(pod: SimPod): boolean {
    return pod.scheduledAt !== undefined && this.time - pod.scheduledAt >= this.podReadyDelayMs;
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
   * Creates or removes pods as the Deployment's ReplicaSets would: to match replicas, or during a
   * rolling update one step of it (rollout.ts). Pods are removed unscheduled first, then not Ready,
   * then the newest. Returns the pods it created.
   */
  private reconcilePods(deployment: SimDeployment): SimPod[] {
    const key = keyOf(deployment.namespace, deployment.name);
    const pods = [...(this.pods.get(key) ?? [])];
    const isFresh = (p: SimPod) => p.revision === deployment.observedRevision;
    const old = pods.filter((p) => !isFresh(p));
    const created: SimPod[] = [];
    const create = (count: number) => {
      for (let i = 0; i < count; i++) {
        const pod = this.newPod(deployment);
        created.push(pod);
        pods.push(pod);
      }
    };
    const remove = (from: SimPod[], count: number) => {
      const victims = new Set(this.byRemovalOrder(from).slice(0, count));
      const kept = pods.filter((p) => !victims.has(p));
      pods.splice(0, pods.length, ...kept);
    };
    if (old.length === 0) {
      create(deployment.replicas - pods.length);
      if (pods.length > deployment.replicas) remove(pods, pods.length - deployment.replicas);
    } else {
      const counts = (): RolloutCounts => {
        const fresh = pods.filter(isFresh);
        const stale = pods.filter((p) => !isFresh(p));
        const ready = (list: SimPod[]) => list.filter((p) => this.readyAtTime(p)).length;
        return { replicas: deployment.replicas, fresh: fresh.length, freshReady: ready(fresh), old: stale.length, oldReady: ready(stale) };
      };
      const fresh = pods.filter(isFresh);
      if (fresh.length > deployment.replicas) remove(fresh, fresh.length - deployment.replicas);
      remove(pods.filter((p) => !isFresh(p)), excessPods(counts()));
      create(podsToCreate(counts()));
      remove(pods.filter((p) => !isFresh(p)), oldPodsToDelete(counts()));
      // Deleting old pods makes room under the surge ceiling.
      create(podsToCreate(counts()));
    }
    this.pods.set(key, pods);
    return created;
  }

  private newPod(deployment: SimDeployment): SimPod {
    const suffix = randomUUID().replace(/-/g, '').slice(0, 5);
    return {
      ...this.newMeta(deployment.namespace, `${deployment.name}-${suffix}`),
      deployment: deployment.name,
      labels: { ...deployment.labels },
      seq: ++this.podSeq,
      revision: deployment.observedRevision,
      priority: deployment.priority,
      createdAt: this.time,
    };
  }

  /** The order a ReplicaSet deletes pods in: unscheduled, then not Ready, then the newest. */
  private byRemovalOrder(pods: SimPod[]): SimPod[] {
    const rank = (p: SimPod) => (p.nodeName === undefined ? 0 : this.readyAtTime(p) ? 2 : 1);
    return [...pods].sort((a, b) => rank(a) - rank(b) || b.seq - a.seq);
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

const earliest = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

function sameStrings(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

function definedOnly(requests: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(requests).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
