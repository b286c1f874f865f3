/**
 * Node capacity of the simulated cluster: nodes with a fixed pod count, a scheduler that places
 * Pending pods by priority (preempting lower-priority pods on full nodes), and a Karpenter-style
 * provisioner that collects Pending pods over a batch window and then launches every node they
 * need at once. Times are the simulator's clock in ms; nothing here reads a clock or sets a timer.
 */

export interface CapacityOptions {
  /** Allocatable pods of every node (status.allocatable.pods). */
  podsPerNode: number;
  /** Ready nodes at the start; when absent, seeding adds just enough Ready nodes for the seeded pods. */
  initialNodes?: number;
  /** The node group's ceiling: pods beyond it stay Pending. */
  maxNodes: number;
  /** From the first Pending pod of a batch asking to its nodes being Ready. */
  nodeProvisioningDelayMs: number;
  /** How long Pending pods are collected before the batch's nodes are launched. */
  batchWindowMs: number;
}

export interface SimNode {
  name: string;
  uid: string;
  creationTimestamp: string;
  resourceVersion: string;
  /** Allocatable pods. */
  pods: number;
  /** When the node was launched, and when it turns Ready. */
  launchedAt: number;
  readyAt: number;
}

/** The part of a pod the scheduler reads and writes. */
export interface Schedulable {
  /** Creation order; older pods go first among equal priorities. */
  seq: number;
  priority: number;
  nodeName?: string;
  scheduledAt?: number;
}

/** The pods the scheduler works on, and how it evicts one. */
export interface PodSource<P extends Schedulable> {
  all(): P[];
  /** Deletes the victim; its Deployment replaces it with a new, Pending pod. */
  preempt(victim: P): void;
}

type NodeMeta = Pick<SimNode, 'uid' | 'creationTimestamp' | 'resourceVersion'>;

const byPriorityThenAge = (a: Schedulable, b: Schedulable) => b.priority - a.priority || a.seq - b.seq;
/** The first victim is the lowest-priority pod, the newest among equals. */
const byVictimOrder = (a: Schedulable, b: Schedulable) => a.priority - b.priority || b.seq - a.seq;

export class NodePool {
  private readonly list: SimNode[] = [];
  /** When the open batch's first Pending pod asked for a node; null while no batch is open. */
  private batchOpenedAt: number | null = null;

  constructor(
    readonly options: CapacityOptions,
    private readonly newMeta: () => NodeMeta,
  ) {}

  get nodes(): readonly SimNode[] {
    return this.list;
  }

  isReady(node: SimNode, time: number): boolean {
    return node.readyAt <= time;
  }

  /** Adds nodes that are Ready at `time`, up to maxNodes; returns how many were added. */
  addReadyNodes(count: number, time: number): number {
    const added = Math.max(0, Math.min(count, this.options.maxNodes - this.list.length));
    for (let i = 0; i < added; i++) this.launch(time, time);
    return added;
  }

  /** The next time something happens by itself after `time`: a batch closes or a node turns Ready. */
  nextEventAfter(time: number): number | undefined {
    const times = this.list.map((n) => n.readyAt).filter((t) => t > time);
    if (this.batchOpenedAt !== null) times.push(this.batchOpenedAt + this.options.batchWindowMs);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** When the open batch's window has passed, launches every node its Pending pods still need. */
  closeBatchIfDue(time: number, pendingPods: number): void {
    if (this.batchOpenedAt === null || this.batchOpenedAt + this.options.batchWindowMs > time) return;
    const needed = Math.ceil(this.unserved(time, pendingPods) / this.options.podsPerNode);
    const count = Math.max(0, Math.min(needed, this.options.maxNodes - this.list.length));
    const readyAt = Math.max(time, this.batchOpenedAt + this.options.nodeProvisioningDelayMs);
    for (let i = 0; i < count; i++) this.launch(time, readyAt);
    this.batchOpenedAt = null;
  }

  /**
   * Places Pending pods on Ready nodes with a free slot, highest priority first. A pod that finds
   * no slot preempts the lowest-priority pod of lower priority on a Ready node. Pods still
   * Pending afterwards open a batch, unless the launching nodes will hold them or maxNodes is reached.
   */
  schedule<P extends Schedulable>(time: number, source: PodSource<P>): void {
    const pods = source.all();
    const pending = pods.filter((p) => p.nodeName === undefined).sort(byPriorityThenAge);
    if (pending.length === 0) return;
    const ready = this.list.filter((n) => this.isReady(n, time));
    const used = new Map<string, number>();
    for (const p of pods) if (p.nodeName !== undefined) used.set(p.nodeName, (used.get(p.nodeName) ?? 0) + 1);
    const readyNames = new Set(ready.map((n) => n.name));
    const victims = pods.filter((p) => p.nodeName !== undefined && readyNames.has(p.nodeName)).sort(byVictimOrder);
    // Nodes only fill up during a pass, and later pending pods never outrank earlier ones, so both cursors only move forward.
    let nodeCursor = 0;
    let victimCursor = 0;
    for (const pod of pending) {
      while (nodeCursor < ready.length && (used.get(ready[nodeCursor]!.name) ?? 0) >= ready[nodeCursor]!.pods) nodeCursor++;
      const node = ready[nodeCursor];
      if (node) {
        used.set(node.name, (used.get(node.name) ?? 0) + 1);
        bind(pod, node.name, time);
        continue;
      }
      const victim = victims[victimCursor];
      if (victim && victim.priority < pod.priority) {
        victimCursor++;
        const nodeName = victim.nodeName!;
        source.preempt(victim);
        bind(pod, nodeName, time);
        continue;
      }
    }
    // Replacements of preempted pods are Pending too.
    this.openBatchIfNeeded(time, source.all().filter((p) => p.nodeName === undefined).length);
  }

  /** Binds pods to Ready nodes with free slots, as if they had been scheduled at `scheduledAt`; returns the pods left over. */
  placeRunning<P extends Schedulable>(newPods: P[], allPods: P[], time: number, scheduledAt: number): P[] {
    const used = new Map<string, number>();
    for (const p of allPods) if (p.nodeName !== undefined) used.set(p.nodeName, (used.get(p.nodeName) ?? 0) + 1);
    const left: P[] = [];
    for (const pod of newPods) {
      const node = this.list.find((n) => this.isReady(n, time) && (used.get(n.name) ?? 0) < n.pods);
      if (!node) {
        left.push(pod);
        continue;
      }
      used.set(node.name, (used.get(node.name) ?? 0) + 1);
      bind(pod, node.name, scheduledAt);
    }
    return left;
  }

  private openBatchIfNeeded(time: number, pendingPods: number): void {
    if (this.batchOpenedAt !== null || this.list.length >= this.options.maxNodes) return;
    if (this.unserved(time, pendingPods) > 0) this.batchOpenedAt = time;
  }

  /** Pending pods that the nodes already launching will not hold. */
  private unserved(time: number, pendingPods: number): number {
    const launching = this.list.filter((n) => !this.isReady(n, time)).reduce((sum, n) => sum + n.pods, 0);
    return pendingPods - launching;
  }

  private launch(launchedAt: number, readyAt: number): void {
    const name = `sim-node-${String(this.list.length + 1).padStart(3, '0')}`;
    this.list.push({ name, ...this.newMeta(), pods: this.options.podsPerNode, launchedAt, readyAt });
  }
}

function bind(pod: Schedulable, nodeName: string, at: number): void {
  pod.nodeName = nodeName;
  pod.scheduledAt = at;
}
