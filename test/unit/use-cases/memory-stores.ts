import { type AuditEntry, type AuditRecord, auditStream, chainEntry, streamOf } from '#domain/audit.ts';
import type { Usage } from '#domain/budget.ts';
import { isLookupStream } from '#domain/lookup.ts';
import type { Budget, Burst, Rule, Service, ServiceScaling } from '#domain/model.ts';
import type { AppendOptions, AuditChainPage, AuditCheckpoint, AuditLog, AuditPage, AuditQuery } from '#ports/audit-log.ts';
import { InvalidCursorError, StaleVersionError } from '#ports/errors.ts';
import type { LedgerStore } from '#ports/ledger.ts';
import type { EventClaim, StateStore } from '#ports/state-store.ts';

/**
 * In-memory StateStore, LedgerStore and AuditLog. They pass the same contract suites as the
 * DynamoDB adapters (test/unit/adapters/*-contract.ts), so where they once differed they now
 * follow DynamoDB: values round-trip through JSON, lists come in sort-key order, a conditional
 * write or delete that loses throws StaleVersionError.
 */

/** A stored value as the adapters store it: JSON, so undefined fields drop and nothing is shared with the caller. */
const stored = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

/**
 * Query returns a partition in sort-key order, by UTF-8 bytes for a string key
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html).
 */
const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Versioned values by key (the sort key of the adapter's partition): the StateStore's write convention. */
export class VersionedMap<T extends { version: number }> {
  readonly items = new Map<string, T>();
  put(key: string, value: T, expected: number | null) {
    if ((this.items.get(key)?.version ?? null) !== expected) throw new StaleVersionError(key);
    this.items.set(key, stored(value));
  }
  get(key: string): T | null {
    const value = this.items.get(key);
    return value === undefined ? null : stored(value);
  }
  /** A delete is conditional on the stored version, so a missing item fails it too, as DeleteItem's condition does. */
  delete(key: string, expected: number) {
    if (this.items.get(key)?.version !== expected) throw new StaleVersionError(key);
    this.items.delete(key);
  }
  values(prefix = ''): T[] {
    return [...this.items.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort(byUtf8)
      .map((k) => stored(this.items.get(k)!));
  }
}

interface EventItem {
  status: 'in-progress' | 'done';
  leaseUntil: number;
  owner: string | null;
  result?: unknown;
}

export class MemoryStore implements StateStore {
  private readonly services = new VersionedMap<Service>();
  private readonly rules = new VersionedMap<Rule>();
  private readonly scaling = new VersionedMap<ServiceScaling>();
  private readonly events = new Map<string, EventItem>();
  private ruleCounter = 100;
  private tokens = 0;

  /** Services marked for deletion: as the adapter's `deleting` attribute, outside the stored body. */
  private readonly deleting = new Set<string>();
  putService = async (s: Service, e: number | null) => {
    if (e !== null && this.deleting.has(s.name)) throw new StaleVersionError(s.name);
    this.services.put(s.name, s, e);
  };
  getService = async (n: string) => this.services.get(n);
  listServices = async () => this.services.values();
  deleteService = async (n: string, e: number) => {
    this.services.delete(n, e);
    this.deleting.delete(n);
  };
  markServiceDeleting = async (n: string, e: number) => {
    if (this.services.get(n)?.version !== e) throw new StaleVersionError(n);
    this.deleting.add(n);
  };
  unmarkServiceDeleting = async (n: string) => {
    this.deleting.delete(n);
  };
  serviceAcceptsRules = async (n: string) => this.services.get(n) !== null && !this.deleting.has(n);
  nextRuleNumber = async () => ++this.ruleCounter;
  putRule = async (r: Rule, e: number | null) => this.rules.put(r.ruleId, r, e);
  getRule = async (id: string) => this.rules.get(id);
  listRules = async () => this.rules.values();
  deleteRule = async (id: string, e: number) => this.rules.delete(id, e);
  getScaling = async (service: string) => this.scaling.get(service);
  putScaling = async (h: ServiceScaling, e: number | null) => this.scaling.put(h.service, h, e);

  /** A claim takes an event that is new, or in progress with a lease that ran out strictly before now. */
  async claimEvent(id: string, leaseSeconds: number, now: Date): Promise<EventClaim> {
    const event = this.events.get(id);
    if (event?.status === 'done') return { status: 'done', result: stored(event.result) };
    if (event && event.leaseUntil >= now.getTime()) return { status: 'busy' };
    const token = `t${++this.tokens}`;
    this.events.set(id, { status: 'in-progress', leaseUntil: now.getTime() + leaseSeconds * 1000, owner: token });
    return { status: 'claimed', token };
  }
  /** Completing removes the owner, so only the holder's first completion lands. */
  async completeEvent(id: string, token: string, result: unknown) {
    if (this.events.get(id)?.owner === token) this.events.set(id, { status: 'done', leaseUntil: 0, owner: null, result: stored(result ?? null) });
  }
  async releaseEvent(id: string, token: string) {
    const event = this.events.get(id);
    if (event?.status === 'in-progress' && event.owner === token) this.events.delete(id);
  }
}

export class MemoryLedger implements LedgerStore {
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
  listUsage = async (month: string) => this.usage.values(`${month}#`);
  putUsage = async (u: Usage, e: number | null) => this.usage.put(`${u.month}#${u.service}`, u, e);
  deleteUsage = async (service: string, month: string, e: number) => this.usage.delete(`${month}#${service}`, e);
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
  listActiveBursts = async () => [...this.active.keys()].sort(byUtf8).map((service) => ({ service, burstId: this.active.get(service)! }));
  activeBurstOf = async (service: string) => this.active.get(service) ?? null;
}

/** ISO time in one format, so string order is time order; other text as is (as the adapter keys it). */
const normalTime = (time: string) => (Number.isNaN(new Date(time).getTime()) ? time : new Date(time).toISOString());
/** The adapter's time-index sort key: time, then stream, then seq. */
const timeKey = (r: AuditRecord) => `${normalTime(r.time)}#${r.stream}#${String(r.seq).padStart(12, '0')}`;
const TIME_KEY_SHAPE = /^[^#]+#.+#\d{12}$/;

export class MemoryAudit implements AuditLog {
  /** Every record, in append order; tests may read them, or push a record to forge a chain. */
  readonly records: AuditRecord[] = [];
  readonly checkpoints = new Map<string, AuditCheckpoint>();

  async append(entry: AuditEntry, options: AppendOptions = {}) {
    const stream = streamOf(entry);
    const chain = this.records.filter((r) => r.stream === stream);
    const head = chain.at(-1) ?? null;
    const { afterSeq } = options;
    const searched = afterSeq === undefined ? (head ? [head] : []) : chain.filter((r) => r.seq >= afterSeq);
    const found = entry.intent === undefined ? undefined : searched.find((r) => r.intent === entry.intent);
    if (found) return stored(found);
    const record = stored(chainEntry(entry, stream, head));
    this.records.push(record);
    return stored(record);
  }

  /** Newest first by time key, since/until inclusive, paged with a cursor bound to the query's scope. */
  async list(q: AuditQuery): Promise<AuditPage> {
    // Scopes as the adapter's: every change stream ('*'), every lookup stream, or one service's.
    if (q.kind === 'lookup' && q.service !== undefined) throw new Error('a lookup listing has no service: lookups chain by day, not by service');
    const scope = q.kind === 'lookup' ? 'lookup#*' : q.service === undefined ? '*' : auditStream(q.service);
    const limit = Number.isFinite(q.limit) ? Math.max(1, Math.floor(q.limit)) : 1;
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, scope);
    const since = q.since === undefined ? undefined : normalTime(q.since);
    const until = q.until === undefined ? undefined : `${normalTime(q.until)}$`;
    const matching = this.records
      .filter((r) => (scope === '*' ? !isLookupStream(r.stream) : scope === 'lookup#*' ? isLookupStream(r.stream) : r.stream === scope))
      .map((r) => ({ key: timeKey(r), record: r }))
      .filter(({ key }) => (since === undefined || key >= since) && (until === undefined || key < until) && (after === undefined || key < after))
      .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    const page = matching.slice(0, limit);
    const last = page.at(-1);
    return {
      records: page.map((p) => stored(p.record)),
      nextCursor: matching.length > limit && last ? Buffer.from(JSON.stringify({ scope, after: last.key })).toString('base64url') : null,
    };
  }

  lastSeq = async (stream: string) => this.records.filter((r) => r.stream === stream).at(-1)?.seq ?? 0;

  async readChain(stream: string, afterSeq: number, limit: number): Promise<AuditChainPage> {
    const after = this.records.filter((r) => r.stream === stream && r.seq > afterSeq).sort((a, b) => a.seq - b.seq);
    return { records: after.slice(0, limit).map(stored), more: after.length > limit };
  }
  getCheckpoint = async (stream: string) => stored(this.checkpoints.get(stream) ?? null);
  async saveCheckpoint(checkpoint: AuditCheckpoint, expectedSeq: number | null) {
    if ((this.checkpoints.get(checkpoint.stream)?.seq ?? null) !== expectedSeq) throw new StaleVersionError(`audit checkpoint ${checkpoint.stream}`);
    this.checkpoints.set(checkpoint.stream, stored(checkpoint));
  }
}

function decodeCursor(cursor: string, scope: string): string {
  let fields: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) fields = parsed as Record<string, unknown>;
  } catch (err) {
    throw new InvalidCursorError({ cause: err });
  }
  const valid = Object.keys(fields).length === 2 && fields.scope === scope && typeof fields.after === 'string' && TIME_KEY_SHAPE.test(fields.after);
  if (!valid) throw new InvalidCursorError();
  return fields.after as string;
}
