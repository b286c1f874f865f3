import type { PercentOfMetrics } from '#domain/metric-source.ts';
import type {
  HpaState,
  NodeCapacity,
  PlaceholderSpec,
  PodRequests,
  RestartCluster,
  RolloutStatus,
  ScaleState,
  TemplateAnnotation,
  Workload,
  WorkloadRef,
} from '#ports/cluster.ts';
import { ClusterConflictError } from '#ports/errors.ts';
import type { EventPublisher, PublishedEvent } from '#ports/events.ts';
import type { AlarmSpec, Datapoint, MetricSource, Metrics } from '#ports/metrics.ts';
import type { Ports, PublishingPorts, SchedulingPorts } from '#ports/ports.ts';
import type { OneShotScheduler } from '#ports/scheduler.ts';
import { MemoryAuditOutbox } from './memory-outbox.ts';
import { MemoryAudit, MemoryLedger, MemoryStore } from './memory-stores.ts';

const workloadKey = (ref: WorkloadRef) => `${ref.namespace}/${ref.deployment}`;

/**
 * A one-Deployment cluster whose next write can be made to lose a race; all its pods are Ready.
 * Restarts are kept per namespace/deployment: pod template annotations and a count of each.
 */
export class MemoryCluster implements RestartCluster {
  replicas = 4;
  version = 1;
  hpa: HpaState | null = null;
  patches: number[] = [];
  podRequests: PodRequests = { vcpu: 0.5, memoryGiB: 1 };
  /** Pods the scheduler has not placed; ready is replicas minus these. */
  pending = 0;
  /** The placeholder Deployment, by workload deployment name. */
  placeholders = new Map<string, PlaceholderSpec>();
  capacity: NodeCapacity = { nodes: 10, podsPerNode: 30, podsScheduled: 4 };
  /** Before the next write, another writer sets replicas to this value. */
  raceTo: number | null = null;
  /** Pod template annotations, by namespace/deployment. */
  annotations = new Map<string, Record<string, string>>();
  /** Restarts made (annotation patches), by namespace/deployment. */
  restarts = new Map<string, number>();
  /** The next this-many restart patches lose a write race (ClusterConflictError) and change nothing. */
  restartConflicts = 0;
  /** When true, a restart's rollout stays unfinished until finishRollouts(); otherwise it is done at once. */
  holdRollouts = false;
  /** Rollouts under way, by namespace/deployment; rolloutStatus says not done for them. */
  unfinished = new Set<string>();
  /** Other rollouts under way in the cluster, counted by rollingOutIn whatever the namespaces. */
  rollingOut = 0;

  async getScale(): Promise<ScaleState> {
    return { replicas: this.replicas, resourceVersion: String(this.version) };
  }
  /** An absolute write with no precondition, as the adapter sends it: it lands over any other writer's. */
  async setScale(_ref: WorkloadRef, replicas: number): Promise<ScaleState> {
    if (this.raceTo !== null) {
      this.replicas = this.raceTo;
      this.version += 1;
      this.raceTo = null;
    }
    this.patches.push(replicas);
    this.replicas = replicas;
    this.version += 1;
    return this.getScale();
  }
  findHpa = async () => this.hpa;
  /** The next this-many HPA floor writes lose to the HPA controller's status write (ClusterConflictError). */
  hpaConflicts = 0;
  async setHpaMinReplicas(_ref: WorkloadRef, _name: string, minReplicas: number, resourceVersion: string) {
    if (this.hpaConflicts > 0 || resourceVersion !== this.hpa!.resourceVersion) {
      this.hpaConflicts = Math.max(0, this.hpaConflicts - 1);
      this.hpa = { ...this.hpa!, resourceVersion: String(Number(this.hpa!.resourceVersion) + 1) };
      throw new ClusterConflictError('the HPA changed since it was read');
    }
    this.hpa = { ...this.hpa!, minReplicas, resourceVersion: String(Number(this.hpa!.resourceVersion) + 1) };
    return this.hpa;
  }
  podCounts = async () => ({ desired: this.replicas, ready: this.replicas - this.pending, pending: this.pending });
  getWorkload = async (): Promise<Workload> => ({ replicas: this.replicas, readyReplicas: this.replicas - this.pending, podRequests: { ...this.podRequests } });
  ensurePlaceholders = async (ref: WorkloadRef, spec: PlaceholderSpec) => void this.placeholders.set(ref.deployment, structuredClone(spec));
  removePlaceholders = async (ref: WorkloadRef) => void this.placeholders.delete(ref.deployment);
  placeholderReplicas = async (ref: WorkloadRef) => this.placeholders.get(ref.deployment)?.replicas ?? 0;
  nodeCapacity = async () => ({ ...this.capacity });

  async restartWorkload(ref: WorkloadRef, { key, value }: TemplateAnnotation): Promise<'restarted' | 'unchanged'> {
    const current = this.annotations.get(workloadKey(ref)) ?? {};
    if (current[key] === value) return 'unchanged';
    if (this.restartConflicts > 0) {
      this.restartConflicts -= 1;
      throw new ClusterConflictError('stale resourceVersion');
    }
    this.annotations.set(workloadKey(ref), { ...current, [key]: value });
    this.restarts.set(workloadKey(ref), (this.restarts.get(workloadKey(ref)) ?? 0) + 1);
    if (this.holdRollouts) this.unfinished.add(workloadKey(ref));
    return 'restarted';
  }
  async templateAnnotation(ref: WorkloadRef, key: string): Promise<string | null> {
    return this.annotations.get(workloadKey(ref))?.[key] ?? null;
  }
  async rolloutStatus(ref: WorkloadRef): Promise<RolloutStatus> {
    const done = !this.unfinished.has(workloadKey(ref));
    const updated = done ? this.replicas : 0;
    return { desired: this.replicas, updated, ready: this.replicas, available: this.replicas, done };
  }
  async rollingOutIn(_cluster: string, namespaces: readonly string[]): Promise<number> {
    const inNamespaces = [...this.unfinished].filter((key) => namespaces.includes(key.split('/')[0]!));
    return this.rollingOut + inNamespaces.length;
  }
  /** Finishes every held rollout. */
  finishRollouts(): void {
    this.unfinished.clear();
  }
}

class MemoryMetrics implements Metrics {
  readonly alarms = new Map<string, AlarmSpec>();
  value: Datapoint | null = null;
  inAlarm: string[] = [];
  putAlarm = async (a: AlarmSpec) => void this.alarms.set(a.name, a);
  deleteAlarms = async (names: string[]) => {
    for (const n of names) this.alarms.delete(n);
  };
  alarmsInAlarm = async (prefix: string) => this.inAlarm.filter((n) => n.startsWith(prefix));
  /** Only alarms that were put exist; a name never put (or deleted) is left out, as DescribeAlarms does. */
  alarmStates = async (names: readonly string[]) =>
    new Map(names.filter((n) => this.alarms.has(n)).map((n) => [n, this.inAlarm.includes(n) ? ('ALARM' as const) : ('OK' as const)]));
  latestValue = async (_m: MetricSource) => this.value;
  /** Whether the metric has published at all lately; a silent one scales in, a never-seen one holds. */
  published = true;
  hasDataSince = async (_m: MetricSource, _since: Date) => this.published;
  /** The alarm percentages a test has published, by period; percentByPeriod returns those from `from` on. */
  percents: Datapoint[] = [];
  percentByPeriod = async (_m: PercentOfMetrics, from: Date) => this.percents.filter((p) => Date.parse(p.periodStart) >= from.getTime());
}

/** One-shot schedules kept by name, for tests to inspect and fire. */
export class MemoryScheduler implements OneShotScheduler {
  readonly schedules = new Map<string, { at: Date; payload: Record<string, unknown> }>();
  scheduleAt = async (name: string, at: Date, payload: Record<string, unknown>) => void this.schedules.set(name, { at, payload });
  cancel = async (name: string) => void this.schedules.delete(name);
}

export class MemoryEvents implements EventPublisher {
  readonly published: PublishedEvent[] = [];
  failNext = 0;
  publish = async (events: readonly PublishedEvent[]) => {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('EventBridge refused the events');
    }
    this.published.push(...events);
  };
}

export function memoryPorts(now = new Date('2026-11-23T12:00:00Z')) {
  const clock = { current: now, now: () => clock.current };
  const ports = {
    store: new MemoryStore(),
    ledger: new MemoryLedger(),
    audit: new MemoryAudit(),
    auditOutbox: new MemoryAuditOutbox(),
    metrics: new MemoryMetrics(),
    cluster: new MemoryCluster(),
    nodeGroups: { maxNodes: async () => null as number | null },
    scheduler: new MemoryScheduler(),
    events: new MemoryEvents(),
    clock,
    knownClusters: ['sandbox'],
    pricingRegion: 'us-east-1',
    capacityTimings: { nodeProvisioningSeconds: 90, podReadySeconds: 20 },
  } satisfies Ports & SchedulingPorts & PublishingPorts;
  return { ports, clock };
}
