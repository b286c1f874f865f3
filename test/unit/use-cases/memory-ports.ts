import { auditStream, chainEntry, type AuditEntry, type AuditRecord } from '#domain/audit.ts';
import type { Usage } from '#domain/budget.ts';
import type { Budget, Burst, Rule, ServiceScaling, Service } from '#domain/model.ts';
import type { AuditChainPage, AuditCheckpoint, AuditLog, AuditPage, AuditQuery } from '#ports/audit-log.ts';
import type {
  HpaState, NodeCapacity, PlaceholderSpec, PodRequests, RestartCluster, RolloutStatus, ScaleState, TemplateAnnotation, Workload, WorkloadRef,
} from '#ports/cluster.ts';
import { ClusterConflictError, StaleVersionError } from '#ports/errors.ts';
import type { LedgerStore } from '#ports/ledger.ts';
import type { AlarmSpec, Datapoint, MetricSource, Metrics } from '#ports/metrics.ts';
import type { EventPublisher, PublishedEvent } from '#ports/events.ts';
import type { Ports, PublishingPorts, SchedulingPorts } from '#ports/ports.ts';
import type { OneShotScheduler } from '#ports/scheduler.ts';
import type { EventClaim, StateStore } from '#ports/state-store.ts';

type Versioned = { version: number };

/** In-memory ports for use-case tests: the same contracts as the adapters, no I/O. */
class MemoryStore implements StateStore {
  readonly items = new Map<string, unknown>();
  private counter = 100;
  private readonly events = new Map<string, { done: boolean; result?: unknown; leaseUntil: number; token: string }>();
  private tokens = 0;

  private put(key: string, value: Versioned, expected: number | null) {
    const current = this.items.get(key) as Versioned | undefined;
    if ((current?.version ?? null) !== expected) throw new StaleVersionError(key);
    this.items.set(key, structuredClone(value));
  }
  private get<T>(key: string): T | null {
    const v = this.items.get(key);
    return v === undefined ? null : (structuredClone(v) as T);
  }
  private list<T>(prefix: string): T[] {
    return [...this.items.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => structuredClone(v) as T);
  }

  putService = async (s: Service, e: number | null) => this.put(`service#${s.name}`, s, e);
  getService = async (n: string) => this.get<Service>(`service#${n}`);
  listServices = async () => this.list<Service>('service#');
  deleteService = async (n: string) => void this.items.delete(`service#${n}`);
  nextRuleNumber = async () => ++this.counter;
  putRule = async (r: Rule, e: number | null) => this.put(`rule#${r.ruleId}`, r, e);
  getRule = async (id: string) => this.get<Rule>(`rule#${id}`);
  listRules = async () => this.list<Rule>('rule#');
  deleteRule = async (id: string) => void this.items.delete(`rule#${id}`);
  getScaling = async (service: string) => this.get<ServiceScaling>(`history#${service}`);
  putScaling = async (h: ServiceScaling, e: number | null) => this.put(`history#${h.service}`, h, e);
  async claimEvent(id: string, leaseSeconds: number, now: Date): Promise<EventClaim> {
    const event = this.events.get(id);
    if (event?.done) return { status: 'done', result: event.result };
    if (event && event.leaseUntil > now.getTime()) return { status: 'busy' };
    const token = `t${++this.tokens}`;
    this.events.set(id, { done: false, leaseUntil: now.getTime() + leaseSeconds * 1000, token });
    return { status: 'claimed', token };
  }
  async completeEvent(id: string, token: string, result: unknown) {
    if (this.events.get(id)?.token === token) this.events.set(id, { done: true, result, leaseUntil: 0, token });
  }
  async releaseEvent(id: string, token: string) {
    const event = this.events.get(id);
    if (event && !event.done && event.token === token) this.events.delete(id);
  }
}

/** Versioned values by key: the StateStore's write convention. */
class VersionedMap<T extends { version: number }> {
  readonly items = new Map<string, T>();
  put(key: string, value: T, expected: number | null) {
    if ((this.items.get(key)?.version ?? null) !== expected) throw new StaleVersionError(key);
    this.items.set(key, structuredClone(value));
  }
  get(key: string): T | null {
    const value = this.items.get(key);
    return value === undefined ? null : structuredClone(value);
  }
  delete(key: string, expected: number) {
    if (this.items.get(key)?.version !== expected) throw new StaleVersionError(key);
    this.items.delete(key);
  }
  values(): T[] {
    return [...this.items.values()].map((v) => structuredClone(v));
  }
}

class MemoryLedger implements LedgerStore {
  readonly budgets = new VersionedMap<Budget>();
  readonly usage = new VersionedMap<Usage>();
  readonly bursts = new VersionedMap<Burst>();
  readonly active = new Map<string, string>();
  private burstCounter = 0;

  putBudget = async (b: Budget, e: number | null) => this.budgets.put(b.service, b, e);
  getBudget = async (service: string) => this.budgets.get(service);
  listBudgets = async () => this.budgets.values();
  deleteBudget = async (service: string, e: number) => this.budgets.delete(service, e);
  getUsage = async (service: string, month: string) => this.usage.get(`${month}#${service}`);
  listUsage = async (month: string) => this.usage.values().filter((u) => u.month === month);
  putUsage = async (u: Usage, e: number | null) => this.usage.put(`${u.month}#${u.service}`, u, e);
  nextBurstNumber = async () => ++this.burstCounter;
  putBurst = async (b: Burst, e: number | null) => this.bursts.put(b.burstId, b, e);
  getBurst = async (id: string) => this.bursts.get(id);
  async claimActiveBurst(service: string, burstId: string) {
    const holder = this.active.get(service);
    if (holder !== undefined && holder !== burstId) return false;
    this.active.set(service, burstId);
    return true;
  }
  async releaseActiveBurst(service: string, burstId: string) {
    if (this.active.get(service) === burstId) this.active.delete(service);
  }
  listActiveBursts = async () => [...this.active].map(([service, burstId]) => ({ service, burstId }));
  activeBurstOf = async (service: string) => this.active.get(service) ?? null;
}

class MemoryAudit implements AuditLog {
  readonly records: AuditRecord[] = [];
  async append(entry: AuditEntry) {
    const stream = auditStream(entry.service);
    const head = this.records.filter((r) => r.stream === stream).at(-1) ?? null;
    const record = chainEntry(entry, stream, head);
    this.records.push(record);
    return record;
  }
  async list(q: AuditQuery): Promise<AuditPage> {
    return { records: this.records.filter((r) => !q.service || r.service === q.service).reverse().slice(0, q.limit), nextCursor: null };
  }
  async readChain(stream: string, afterSeq: number, limit: number): Promise<AuditChainPage> {
    const after = this.records.filter((r) => r.stream === stream && r.seq > afterSeq);
    return { records: after.slice(0, limit), more: after.length > limit };
  }
  readonly checkpoints = new Map<string, AuditCheckpoint>();
  getCheckpoint = async (stream: string) => this.checkpoints.get(stream) ?? null;
  async saveCheckpoint(checkpoint: AuditCheckpoint, expectedSeq: number | null) {
    if ((this.checkpoints.get(checkpoint.stream)?.seq ?? null) !== expectedSeq) throw new StaleVersionError(`audit checkpoint ${checkpoint.stream}`);
    this.checkpoints.set(checkpoint.stream, checkpoint);
  }
}

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
  getWorkload = async (): Promise<Workload> =>
    ({ replicas: this.replicas, readyReplicas: this.replicas - this.pending, podRequests: { ...this.podRequests } });
  ensurePlaceholders = async (ref: WorkloadRef, spec: PlaceholderSpec) =>
    void this.placeholders.set(ref.deployment, structuredClone(spec));
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
  deleteAlarms = async (names: string[]) => names.forEach((n) => this.alarms.delete(n));
  alarmsInAlarm = async (prefix: string) => this.inAlarm.filter((n) => n.startsWith(prefix));
  latestValue = async (_m: MetricSource) => this.value;
  /** Whether the metric has published at all lately; a silent one scales in, a never-seen one holds. */
  published = true;
  hasDataSince = async (_m: MetricSource, _since: Date) => this.published;
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
    store: new MemoryStore(), ledger: new MemoryLedger(), audit: new MemoryAudit(), metrics: new MemoryMetrics(), cluster: new MemoryCluster(),
    nodeGroups: { maxNodes: async () => null as number | null },
    scheduler: new MemoryScheduler(), events: new MemoryEvents(),
    clock, knownClusters: ['sandbox'], pricingRegion: 'us-east-1',
    capacityTimings: { nodeProvisioningSeconds: 90, podReadySeconds: 20 },
  } satisfies Ports & SchedulingPorts & PublishingPorts;
  return { ports, clock };
}
