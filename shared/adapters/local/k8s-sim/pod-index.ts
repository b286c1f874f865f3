/**
 * The simulator's pods with their counters kept as pods come, go, are bound and turn Ready, so a
 * request costs what it touches rather than a pass over every pod: per Deployment its pods, how
 * many are bound and Ready and how many of each template revision; the Pending pods by priority;
 * the bound pods by priority (preemption victims); the pods each node holds; and a queue of the
 * times bound pods turn Ready. Readiness is as of the last promote(time).
 * Pending pods stay in creation order within their priority (new pods come with a higher seq), so
 * the scheduler walks them without copying or sorting; only pods resumed out of order re-sort a bucket once.
 */
import type { SimPod } from './objects.ts';

interface DeploymentPods {
  pods: Set<SimPod>;
  ready: number;
  /** Pods per template revision (status.updatedReplicas reads the observed one). */
  byRevision: Map<number, number>;
}

const keyOf = (pod: SimPod) => `${pod.namespace}/${pod.deployment}`;

export class PodIndex {
  private readonly byDeployment = new Map<string, DeploymentPods>();
  private readonly pendingByPriority = new Map<number, Set<SimPod>>();
  /** The highest seq added to each Pending bucket, and the buckets that got a pod out of seq order. */
  private readonly pendingLastSeq = new Map<number, number>();
  private readonly pendingUnsorted = new Set<number>();
  private readonly boundByPriority = new Map<number, Set<SimPod>>();
  private readonly slotsUsed = new Map<string, number>();
  private readonly ready = new WeakSet<SimPod>();
  private readonly readyQueue = new ReadyQueue();
  private pending = 0;
  private total = 0;
  /** Keys of Deployments whose pods moved since the caller last took them. */
  readonly touched = new Set<string>();

  constructor(
    private readonly readyDelayMs: number,
    private readonly onChange: () => void,
  ) {}

  get count(): number {
    return this.total;
  }

  get pendingCount(): number {
    return this.pending;
  }

  /** A new pod: Pending, or bound already when it carries nodeName (a resumed one), Ready if its time has come. */
  add(pod: SimPod, time: number): void {
    const entry = this.entry(`${pod.namespace}/${pod.deployment}`);
    entry.pods.add(pod);
    entry.byRevision.set(pod.revision, (entry.byRevision.get(pod.revision) ?? 0) + 1);
    this.total += 1;
    this.touch(pod);
    if (pod.nodeName === undefined || pod.scheduledAt === undefined) {
      bucket(this.pendingByPriority, pod.priority).add(pod);
      const last = this.pendingLastSeq.get(pod.priority) ?? -Infinity;
      if (pod.seq < last) this.pendingUnsorted.add(pod.priority);
      else this.pendingLastSeq.set(pod.priority, pod.seq);
      this.pending += 1;
    } else {
      this.indexBound(pod, time);
    }
  }

  remove(pod: SimPod): void {
    const entry = this.byDeployment.get(keyOf(pod));
    if (!entry?.pods.delete(pod)) return;
    entry.byRevision.set(pod.revision, (entry.byRevision.get(pod.revision) ?? 1) - 1);
    this.total -= 1;
    this.touch(pod);
    if (this.ready.has(pod)) {
      this.ready.delete(pod);
      entry.ready -= 1;
    }
    if (pod.nodeName === undefined) {
      this.pendingByPriority.get(pod.priority)?.delete(pod);
      this.pending -= 1;
    } else {
      this.boundByPriority.get(pod.priority)?.delete(pod);
      this.slotsUsed.set(pod.nodeName, (this.slotsUsed.get(pod.nodeName) ?? 1) - 1);
    }
  }

  /** Binds a Pending pod to a node at `at`; it turns Ready readyDelayMs later. */
  bind(pod: SimPod, nodeName: string, at: number, time: number): void {
    if (pod.nodeName !== undefined) return;
    this.pendingByPriority.get(pod.priority)?.delete(pod);
    this.pending -= 1;
    pod.nodeName = nodeName;
    pod.scheduledAt = at;
    this.indexBound(pod, time);
    this.touch(pod);
  }

  /** Marks Ready every bound pod whose time has come by `time`. */
  promote(time: number): void {
    for (let pod = this.readyQueue.takeDue(time); pod; pod = this.readyQueue.takeDue(time)) this.markReady(pod);
  }

  /** When the next bound pod turns Ready after `time`. */
  nextReadyAfter(time: number): number | undefined {
    return this.readyQueue.nextAfter(time, (pod) => this.isLive(pod));
  }

  isReady(pod: SimPod): boolean {
    return this.ready.has(pod);
  }

  /** Pods of a Deployment, in creation order. */
  of(key: string): SimPod[] {
    const entry = this.byDeployment.get(key);
    return entry ? [...entry.pods] : [];
  }

  countOf(key: string): number {
    return this.byDeployment.get(key)?.pods.size ?? 0;
  }

  readyOf(key: string): number {
    return this.byDeployment.get(key)?.ready ?? 0;
  }

  revisionCountOf(key: string, revision: number): number {
    return this.byDeployment.get(key)?.byRevision.get(revision) ?? 0;
  }

  all(): SimPod[] {
    return [...this.byDeployment.values()].flatMap((entry) => [...entry.pods]);
  }

  /**
   * Pending pods, highest priority first, oldest first among equals, walked in place: pods bound or
   * removed meanwhile are skipped, and pods created during the walk (seq above today's) are not met.
   */
  *pendingPods(): Generator<SimPod> {
    const newest = this.podSeqLimit();
    const priorities: number[] = [];
    for (const priority of this.pendingByPriority.keys()) priorities.push(priority);
    priorities.sort((a, b) => b - a);
    for (const priority of priorities) {
      if (this.pendingUnsorted.delete(priority)) this.resort(priority);
      const pods = this.pendingByPriority.get(priority);
      if (!pods) continue;
      for (const pod of pods) {
        if (pod.seq > newest) break;
        yield pod;
      }
    }
  }

  /** The highest priority among Pending pods, or undefined with none. */
  topPendingPriority(): number | undefined {
    let top: number | undefined;
    for (const [priority, pods] of this.pendingByPriority) if (pods.size > 0 && (top === undefined || priority > top)) top = priority;
    return top;
  }

  /** Bound pods with a priority below `priority`, lowest priority first and the newest first among equals. */
  boundBelow(priority: number): SimPod[] {
    const pods: SimPod[] = [];
    // A loop, not push(...set): spreading a large set overflows the call stack.
    for (const [p, set] of this.boundByPriority) if (p < priority) for (const pod of set) pods.push(pod);
    return pods.sort((a, b) => a.priority - b.priority || b.seq - a.seq);
  }

  slotsUsedOn(nodeName: string): number {
    return this.slotsUsed.get(nodeName) ?? 0;
  }

  /** Deletes a Deployment's pods at once. */
  dropDeployment(key: string): void {
    for (const pod of this.of(key)) this.remove(pod);
    this.byDeployment.delete(key);
  }

  /** The highest seq of any Pending pod now. */
  private podSeqLimit(): number {
    let newest = -Infinity;
    for (const last of this.pendingLastSeq.values()) if (last > newest) newest = last;
    return newest;
  }

  /** Rebuilds a Pending bucket in seq order (after pods were resumed out of order). */
  private resort(priority: number): void {
    const pods = this.pendingByPriority.get(priority);
    if (!pods) return;
    const ordered = Array.from(pods).sort((a, b) => a.seq - b.seq);
    pods.clear();
    for (const pod of ordered) pods.add(pod);
  }

  private indexBound(pod: SimPod, time: number): void {
    bucket(this.boundByPriority, pod.priority).add(pod);
    this.slotsUsed.set(pod.nodeName!, (this.slotsUsed.get(pod.nodeName!) ?? 0) + 1);
    const readyAt = pod.scheduledAt! + this.readyDelayMs;
    if (readyAt <= time) this.markReady(pod);
    else this.readyQueue.push(readyAt, pod);
  }

  private markReady(pod: SimPod): void {
    if (this.ready.has(pod) || !this.isLive(pod)) return;
    this.ready.add(pod);
    this.byDeployment.get(keyOf(pod))!.ready += 1;
    this.touched.add(keyOf(pod));
  }

  private isLive(pod: SimPod): boolean {
    return this.byDeployment.get(keyOf(pod))?.pods.has(pod) ?? false;
  }

  private touch(pod: SimPod): void {
    this.touched.add(keyOf(pod));
    this.onChange();
  }

  private entry(key: string): DeploymentPods {
    let entry = this.byDeployment.get(key);
    if (!entry) {
      entry = { pods: new Set(), ready: 0, byRevision: new Map() };
      this.byDeployment.set(key, entry);
    }
    return entry;
  }
}

function bucket(map: Map<number, Set<SimPod>>, priority: number): Set<SimPod> {
  let set = map.get(priority);
  if (!set) {
    set = new Set();
    map.set(priority, set);
  }
  return set;
}

/** A binary min-heap of (readyAt, pod); entries of pods deleted meanwhile are skipped when met. */
class ReadyQueue {
  private readonly heap: { at: number; pod: SimPod }[] = [];

  push(at: number, pod: SimPod): void {
    const heap = this.heap;
    heap.push({ at, pod });
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= heap[i]!.at) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  /** Removes and returns a pod due by `time`, or undefined. */
  takeDue(time: number): SimPod | undefined {
    if (this.heap.length === 0 || this.heap[0]!.at > time) return undefined;
    return this.pop().pod;
  }

  /** The earliest time after `time` of a pod that is still `live` (dead entries on top are dropped). */
  nextAfter(time: number, live: (pod: SimPod) => boolean): number | undefined {
    while (this.heap.length > 0 && !live(this.heap[0]!.pod)) this.pop();
    const top = this.heap[0];
    return top && top.at > time ? top.at : undefined;
  }

  private pop(): { at: number; pod: SimPod } {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let min = i;
        if (l < heap.length && heap[l]!.at < heap[min]!.at) min = l;
        if (r < heap.length && heap[r]!.at < heap[min]!.at) min = r;
        if (min === i) break;
        [heap[min], heap[i]] = [heap[i]!, heap[min]!];
        i = min;
      }
    }
    return top;
  }
}
