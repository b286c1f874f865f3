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

/** The part of a pod the scheduler reads. */
export interface Schedulable {
  /** Creation order; older pods go first among equal priorities. */
  seq: number;
  priority: number;
  nodeName?: string;
}

/** The pods the scheduler works on, as the pod index keeps them, and how it binds or evicts one. */
export interface PodSource<P extends Schedulable> {
  pendingCount(): number;
  /** Pending pods, highest priority first, oldest first among equals; walked once, while pods are bound. */
  pending(): Iterable<P>;
  topPendingPriority(): number | undefined;
  /** Bound pods below a priority, in the order victims are chosen: lowest priority, then newest. */
  boundBelow(priority: number): P[];
  slotsUsedOn(nodeName: string): number;
  bind(pod: P, nodeName: string, at: number): void;
  /** Deletes the victim; its Deployment replaces it with a new, Pending pod. */
  preempt(victim: P): void;
}

export interface NodePoolSnapshot {
  nodes: SimNode[];
  batchOpenedAt: number | null;
}

type NodeMeta = Pick<SimNode, 'uid' | 'creationTimestamp' | 'resourceVersion'>;

export class NodePool {
  private readonly list: SimNode[] = [];
  private readonly byName = new Map<string, SimNode>();
  /** When the open batch's first Pending pod asked for a node; null while no batch is open. */
  private batchOpenedAt: number | null = null;

  constructor(
    readonly options: CapacityOptions,
    private readonly newMeta: () => NodeMeta,
    /** Called whenever a node is launched or a batch opens or closes. */
    private readonly onChange: () => void = () => undefined,
  ) {}

  /** What persists: the nodes and the open batch. */
  snapshot(): NodePoolSnapshot {
    return { nodes: this.list.map((n) => ({ ...n })), batchOpenedAt: this.batchOpenedAt };
  }

  /** Replaces the nodes and the batch with saved ones, their times moved by `shiftMs`. */
  restore(saved: NodePoolSnapshot, shiftMs: number): void {
    this.list.length = 0;
    this.byName.clear();
    for (const node of saved.nodes) this.add({ ...node, launchedAt: node.launchedAt + shiftMs, readyAt: node.readyAt + shiftMs });
    this.batchOpenedAt = saved.batchOpenedAt === null ? null : saved.batchOpenedAt + shiftMs;
  }

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
    this.onChange();
  }

  /**
   * Places Pending pods on Ready nodes with a free slot, highest priority first. A pod that finds
   * no slot preempts the lowest-priority pod of lower priority on a Ready node. Pods still
   * Pending afterwards open a batch, unless the launching nodes will hold them or maxNodes is reached.
   * Costs the Pending pods and the nodes, and the lower-priority pods only when no slot is free.
   */
  schedule<P extends Schedulable>(time: number, source: PodSource<P>): void {
    if (source.pendingCount() === 0) return;
    const ready = this.list.filter((n) => this.isReady(n, time));
    const free = (n: SimNode) => n.pods - source.slotsUsedOn(n.name);
    const top = source.topPendingPriority() ?? 0;
    // Victims are looked up only once no slot is free: with none below the top Pending priority, no pod can move.
    const victimsBelowTop = () => source.boundBelow(top).filter((p) => this.isReadyName(p.nodeName, time));
    let candidates = ready.some((n) => free(n) > 0) ? undefined : victimsBelowTop();
    if (candidates?.length === 0) {
      this.openBatchIfNeeded(time, source.pendingCount());
      return;
    }
    // Nodes only fill up during a pass, and later pending pods never outrank earlier ones, so both cursors only move forward.
    let nodeCursor = 0;
    let victimCursor = 0;
    for (const pod of source.pending()) {
      while (nodeCursor < ready.length && free(ready[nodeCursor]!) <= 0) nodeCursor++;
      const node = ready[nodeCursor];
      if (node) {
        source.bind(pod, node.name, time);
        continue;
      }
      candidates ??= victimsBelowTop();
      const victim = candidates[victimCursor];
      // Later pods rank no higher and find no lower victim: the rest of the walk would bind nothing.
      if (!victim || victim.priority >= pod.priority) break;
      victimCursor++;
      const nodeName = victim.nodeName!;
      source.preempt(victim);
      source.bind(pod, nodeName, time);
    }
    // Replacements of preempted pods are Pending too.
    this.openBatchIfNeeded(time, source.pendingCount());
  }

  /** Binds pods to Ready nodes with free slots, as if they had been scheduled at `scheduledAt`; returns the pods left over. */
  placeRunning<P extends Schedulable>(newPods: P[], source: PodSource<P>, time: number, scheduledAt: number): P[] {
    const left: P[] = [];
    let cursor = 0;
    for (const pod of newPods) {
      while (cursor < this.list.length && !(this.isReady(this.list[cursor]!, time) && source.slotsUsedOn(this.list[cursor]!.name) < this.list[cursor]!.pods))
        cursor++;
      const node = this.list[cursor];
      if (!node) {
        left.push(pod);
        continue;
      }
      source.bind(pod, node.name, scheduledAt);
    }
    return left;
  }

  private openBatchIfNeeded(time: number, pendingPods: number): void {
    if (this.batchOpenedAt !== null || this.list.length >= this.options.maxNodes) return;
    if (this.unserved(time, pendingPods) <= 0) return;
    this.batchOpenedAt = time;
    this.onChange();
  }

  /** Pending pods that the nodes already launching will not hold. */
  private unserved(time: number, pendingPods: number): number {
    const launching = this.list.filter((n) => !this.isReady(n, time)).reduce((sum, n) => sum + n.pods, 0);
    return pendingPods - launching;
  }

  private isReadyName(nodeName: string | undefined, time: number): boolean {
    const node = nodeName === undefined ? undefined : this.byName.get(nodeName);
    return node !== undefined && this.isReady(node, time);
  }

  private launch(launchedAt: number, readyAt: number): void {
    const name = `sim-node-${String(this.list.length + 1).padStart(3, '0')}`;
    this.add({ name, ...this.newMeta(), pods: this.options.podsPerNode, launchedAt, readyAt });
    this.onChange();
  }

  private add(node: SimNode): void {
    this.list.push(node);
    this.byName.set(node.name, node);
  }
}
