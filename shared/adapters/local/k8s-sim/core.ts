/**
 * What the simulator keeps, shared by its parts: the objects, the pod index, the node pool, the
 * clock, resourceVersions, and the sets that let a request touch only what moved.
 * state.ts is the API over it; replica-sets.ts, stepping.ts and persistence.ts act on it.
 */
import { randomUUID } from 'node:crypto';
import { NodePool } from './capacity.ts';
import { GenericObjects } from './generic-store.ts';
import type { SimDeployment, SimHpa, SimMeta, SimPriorityClass, SimStateOptions } from './objects.ts';
import { PodIndex } from './pod-index.ts';

export const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;
export const deploymentKey = (d: { namespace: string; name: string }) => keyOf(d.namespace, d.name);

export class SimCore {
  version = 0;
  podSeq = 0;
  /** How far advance() has evaluated, in the clock's ms. */
  time: number;
  /** The next HPA controller sync. */
  nextHpaSyncAt: number;
  readonly deployments = new Map<string, SimDeployment>();
  readonly hpas = new Map<string, SimHpa>();
  readonly priorityClasses = new Map<string, SimPriorityClass>();
  /** Services, EndpointSlices, ConfigMaps, Secrets and the Istio kinds, kept whole. */
  readonly objects = new GenericObjects(() => this.nextVersion());
  readonly pods: PodIndex;
  readonly pool: NodePool;
  /** Deployments whose pods are being replaced: some are of an older template. */
  readonly replacing = new Set<SimDeployment>();
  /** Deployments with a spec change the controller has not observed yet. */
  readonly unobserved = new Set<SimDeployment>();
  /** Deployments with rollingOut set. */
  readonly rollingOut = new Set<SimDeployment>();
  /** Deployments whose last sync created its burst of pods and left some to create; the ReplicaSet controller syncs them again. */
  readonly shortOfPods = new Set<SimDeployment>();
  /** When the ReplicaSet controller next syncs the Deployments short of pods. */
  nextReplicaSetSyncAt: number | undefined;
  /** Pods each Deployment's ReplicaSets created at one moment of the clock (the burst limit's count). */
  readonly burstUsed = new WeakMap<SimDeployment, { at: number; used: number }>();
  /** Deployments and HPAs whose status may have moved since the last status pass, by key. */
  readonly touchedDeployments = new Set<string>();
  readonly touchedHpas = new Set<string>();
  /** The status each Deployment and HPA showed when its resourceVersion last moved. */
  readonly shownStatus = new WeakMap<SimDeployment | SimHpa, string>();
  readonly podReadyDelayMs: number;
  readonly hpaSyncMs: number;
  private readonly listeners = new Set<() => void>();
  private readonly readClock: () => number;
  private readonly wallClock: () => Date;

  constructor(options: SimStateOptions) {
    const { podReadyDelayMs, now, clock, capacity = {} } = options;
    this.podReadyDelayMs = podReadyDelayMs;
    this.hpaSyncMs = options.hpaSyncMs ?? 1_000;
    // One clock: the sandbox's when given (timestamps too); a bare `now` (virtual time) keeps real timestamps.
    this.readClock = clock ? () => clock.now().getTime() : (now ?? (() => Date.now()));
    this.wallClock = clock ? () => clock.now() : () => new Date();
    this.time = this.readClock();
    this.nextHpaSyncAt = this.time + this.hpaSyncMs;
    this.pods = new PodIndex(podReadyDelayMs, () => this.changed());
    this.pool = new NodePool(
      {
        podsPerNode: capacity.podsPerNode ?? 30,
        initialNodes: capacity.initialNodes,
        maxNodes: capacity.maxNodes ?? 100,
        nodeProvisioningDelayMs: capacity.nodeProvisioningDelayMs ?? podReadyDelayMs * 4.5,
        batchWindowMs: capacity.batchWindowMs ?? podReadyDelayMs / 20,
      },
      () => this.newClusterMeta(),
      () => this.changed(),
    );
  }

  /** The clock's time, never behind what advance() has evaluated. */
  now(): number {
    return Math.max(this.time, this.readClock());
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Something that persists has changed. */
  changed(): void {
    for (const listener of this.listeners) listener();
  }

  touch(deployment: SimDeployment): void {
    this.touchedDeployments.add(deploymentKey(deployment));
  }

  nextVersion(): string {
    this.version += 1;
    this.changed();
    return String(this.version);
  }

  newMeta(namespace: string, name: string): SimMeta {
    return { namespace, name, ...this.newClusterMeta() };
  }

  /** The clock's time as the API writes timestamps (RFC 3339, whole seconds). */
  timestamp(): string {
    return this.wallClock()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  newClusterMeta() {
    return {
      uid: randomUUID(),
      creationTimestamp: this.timestamp(),
      resourceVersion: this.nextVersion(),
    };
  }

  /** The PriorityClass value for a name; throws for an unknown one, as pod admission would. */
  priorityValue(className: string | undefined): number {
    if (className === undefined) return 0;
    const found = this.priorityClasses.get(className);
    if (!found) throw new UnknownPriorityClassError(className);
    return found.value;
  }
}

/** A pod template names a PriorityClass the cluster does not have. */
export class UnknownPriorityClassError extends Error {
  constructor(readonly className: string) {
    super(`no PriorityClass with name ${className} was found`);
    this.name = 'UnknownPriorityClassError';
  }
}

export const earliest = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
