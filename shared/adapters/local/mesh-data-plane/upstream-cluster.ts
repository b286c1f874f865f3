/**
 * One caller's view of one Envoy cluster: its hosts, round-robin load balancing, outlier detection
 * (passive ejection) and the connection pool's circuit breakers. Every sidecar keeps its own, so
 * the data plane keeps one per calling workload and cluster.
 * Outlier detection (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier):
 * - a host answering consecutive5xxErrors 5xx in a row (local errors such as a refused connection
 *   count as 5xx) is ejected at once, unless ejected hosts are already maxEjectionPercent of the
 *   cluster (at least one host may always be ejected);
 * - it stays out for baseEjectionTime × the number of times it has been ejected (capped at 300 s,
 *   Envoy's max_ejection_time) and comes back at the first interval sweep after that; each sweep it
 *   spends healthy lowers that multiplier by one;
 * - Istio's defaults: consecutive5xxErrors 5, interval 10s, baseEjectionTime 30s,
 *   maxEjectionPercent 10, minHealthPercent 0 (no panic mode: when every host is ejected there is
 *   no healthy upstream, 503 UH). https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 * Circuit breakers (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/circuit_breaking):
 * HTTP/1.1 carries one request per connection, so beyond tcp.maxConnections requests wait; beyond
 * http1MaxPendingRequests waiting, or http2MaxRequests outstanding, a request overflows (503 UO).
 */
import type { ClusterTarget, TrafficPolicy, UpstreamEndpoint } from './mesh-snapshot.ts';
import { parseDurationMs } from './routing.ts';

const UNLIMITED = 2 ** 32 - 1;
const MAX_EJECTION_MS = 300_000;

interface HostState {
  consecutive5xx: number;
  consecutiveGateway: number;
  ejections: number;
  ejectedUntil?: number;
  /** The sweep from which the multiplier was last lowered. */
  lastSweep: number;
}

export type Outcome = { kind: 'response'; status: number } | { kind: 'local-failure' };

export class UpstreamCluster {
  private endpoints: UpstreamEndpoint[] = [];
  private policy: TrafficPolicy = {};
  private readonly hosts = new Map<string, HostState>();
  private next = 0;
  private active = 0;
  private activeRetries = 0;
  private readonly pending: (() => void)[] = [];
  private readonly epoch: number;

  constructor(
    target: ClusterTarget,
    private readonly now: () => number,
  ) {
    this.epoch = now();
    this.update(target);
  }

  /** Takes new endpoints and policy; hosts still present keep their outlier state. */
  update(target: ClusterTarget): void {
    this.endpoints = target.endpoints;
    this.policy = target.policy;
    const keys = new Set(target.endpoints.map(hostKey));
    for (const key of this.hosts.keys()) if (!keys.has(key)) this.hosts.delete(key);
  }

  /** The next host by round robin among the healthy ones, avoiding `tried` when another is healthy; undefined = no healthy upstream. */
  pick(tried: ReadonlySet<string> = new Set()): UpstreamEndpoint | undefined {
    if (this.endpoints.length === 0) return undefined;
    const now = this.now();
    const healthy = this.endpoints.filter((e) => !this.isEjected(hostKey(e), now));
    const minHealth = this.outlier()?.minHealthPercent ?? 0;
    // Panic mode: below minHealthPercent healthy, Envoy balances across every host.
    const pool = minHealth > 0 && (healthy.length * 100) / this.endpoints.length < minHealth ? this.endpoints : healthy;
    if (pool.length === 0) return undefined;
    const fresh = pool.filter((e) => !tried.has(hostKey(e)));
    const choices = fresh.length > 0 ? fresh : pool;
    const chosen = choices[this.next % choices.length]!;
    this.next += 1;
    return chosen;
  }

  /** Feeds outlier detection with an attempt's result. */
  report(endpoint: UpstreamEndpoint, outcome: Outcome): void {
    const od = this.outlier();
    if (!od) return;
    const key = hostKey(endpoint);
    const state = this.state(key);
    const status = outcome.kind === 'response' ? outcome.status : 503;
    const isGateway = status === 502 || status === 503 || status === 504;
    if (status < 500) {
      state.consecutive5xx = 0;
      state.consecutiveGateway = 0;
      return;
    }
    state.consecutive5xx += 1;
    state.consecutiveGateway = isGateway ? state.consecutiveGateway + 1 : 0;
    const limit5xx = od.consecutive5xxErrors ?? 5;
    const limitGateway = od.consecutiveGatewayErrors ?? 0;
    const trips = (limit5xx > 0 && state.consecutive5xx >= limit5xx) || (limitGateway > 0 && state.consecutiveGateway >= limitGateway);
    if (trips && !this.isEjected(key, this.now())) this.eject(state);
  }

  /** Hosts out of the pool now, for the config view and tests. */
  ejected(): string[] {
    const now = this.now();
    return this.endpoints.map(hostKey).filter((key) => this.isEjected(key, now));
  }

  /**
   * Waits for a connection slot (one request per HTTP/1.1 connection): 'overflow' when the request
   * overflows a circuit breaker, 'aborted' when its deadline passed while it waited. release() follows every 'ok'.
   */
  async acquire(signal?: AbortSignal): Promise<'ok' | 'overflow' | 'aborted'> {
    const http = this.policy.connectionPool?.http ?? {};
    if (this.active + this.pending.length >= (http.http2MaxRequests ?? UNLIMITED)) return 'overflow';
    if (this.active < (this.policy.connectionPool?.tcp?.maxConnections ?? UNLIMITED)) {
      this.active += 1;
      return 'ok';
    }
    if (this.pending.length >= (http.http1MaxPendingRequests ?? UNLIMITED)) return 'overflow';
    if (signal?.aborted) return 'aborted';
    return new Promise((resolve) => {
      const waiter = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active += 1;
        resolve('ok');
      };
      const onAbort = () => {
        const at = this.pending.indexOf(waiter);
        if (at >= 0) this.pending.splice(at, 1);
        resolve('aborted');
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.push(waiter);
    });
  }

  release(): void {
    this.active -= 1;
    this.pending.shift()?.();
  }

  /** Envoy's max_retries breaker (connectionPool.http.maxRetries): false when that many retries are outstanding. */
  beginRetry(): boolean {
    if (this.activeRetries >= (this.policy.connectionPool?.http?.maxRetries ?? UNLIMITED)) return false;
    this.activeRetries += 1;
    return true;
  }

  endRetry(): void {
    this.activeRetries -= 1;
  }

  private outlier() {
    return this.policy.outlierDetection;
  }

  private intervalMs(): number {
    return parseDurationMs(this.outlier()?.interval ?? '10s');
  }

  private state(key: string): HostState {
    let state = this.hosts.get(key);
    if (!state) {
      state = { consecutive5xx: 0, consecutiveGateway: 0, ejections: 0, lastSweep: this.sweepIndex(this.now()) };
      this.hosts.set(key, state);
    }
    return state;
  }

  private sweepIndex(at: number): number {
    return Math.floor((at - this.epoch) / this.intervalMs());
  }

  private eject(state: HostState): void {
    const now = this.now();
    const ejectedCount = this.endpoints.filter((e) => this.isEjected(hostKey(e), now)).length;
    const maxPercent = this.outlier()?.maxEjectionPercent ?? 10;
    if (ejectedCount > 0 && ((ejectedCount + 1) * 100) / this.endpoints.length > maxPercent) return;
    this.lowerMultiplier(state, now);
    state.ejections += 1;
    const base = parseDurationMs(this.outlier()?.baseEjectionTime ?? '30s');
    state.ejectedUntil = now + Math.min(base * state.ejections, Math.max(base, MAX_EJECTION_MS));
  }

  private isEjected(key: string, now: number): boolean {
    const state = this.hosts.get(key);
    if (state?.ejectedUntil === undefined) return false;
    // Back at the first interval sweep at or after the ejection time.
    const interval = this.intervalMs();
    const sweepAfter = this.epoch + Math.ceil((state.ejectedUntil - this.epoch) / interval) * interval;
    if (now < sweepAfter) return true;
    state.ejectedUntil = undefined;
    state.consecutive5xx = 0;
    state.consecutiveGateway = 0;
    state.lastSweep = this.sweepIndex(sweepAfter);
    return false;
  }

  private lowerMultiplier(state: HostState, now: number): void {
    const sweep = this.sweepIndex(now);
    state.ejections = Math.max(0, state.ejections - Math.max(0, sweep - state.lastSweep));
    state.lastSweep = sweep;
  }
}

export const hostKey = (e: UpstreamEndpoint): string => `${e.address}:${e.port}`;
