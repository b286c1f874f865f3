/**
 * VirtualService route selection, as Envoy runs the route table istiod builds from it: http routes
 * in order, the first whose match (any of its conditions; none = everything) fits the request wins.
 * Conditions read: uri exact/prefix/regex, method, headers, sourceLabels, sourceNamespace, port, ignoreUriCase.
 * https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { qualifyHost } from './mesh-snapshot.ts';

type Any = Record<string, any>;

export interface RouteRequest {
  path: string;
  method: string;
  port: number;
  headers: Record<string, string | string[] | undefined>;
  sourceLabels: Record<string, string>;
  /** The caller's namespace, for sourceNamespace matches. */
  sourceNamespace?: string;
}

export interface RetryPolicy {
  /** Retries after the first try. */
  attempts: number;
  perTryTimeoutMs?: number;
  retryOn: string[];
  retriableStatusCodes: number[];
  ignorePreviousHosts: boolean;
}

export interface WeightedDestination {
  host: string;
  subset?: string;
  port?: number;
  weight: number;
}

export type RouteAction =
  | { kind: 'direct'; status: number; body: string; route: string }
  | { kind: 'route'; destinations: WeightedDestination[]; retry: RetryPolicy; timeoutMs?: number; route: string };

/**
 * Istio's retry policy when a route sets none: 2 retries on connect-failure, refused-stream,
 * unavailable, cancelled and retriable-status-codes with 503, other hosts preferred (Envoy's
 * previous_hosts predicate) — as `istioctl proxy-config routes -o json` shows.
 */
export const ISTIO_DEFAULT_RETRY: RetryPolicy = {
  attempts: 2,
  retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
  retriableStatusCodes: [503],
  ignorePreviousHosts: true,
};

/** The first matching http route of the VirtualService, or undefined (Envoy: 404 with flag NR). */
export function selectRoute(vs: KubeObject, request: RouteRequest): RouteAction | undefined {
  const namespace = vs.metadata.namespace ?? 'default';
  const routes: Any[] = (vs as Any).spec?.http ?? [];
  for (const [index, route] of routes.entries()) {
    const matches: Any[] = route.match ?? [];
    if (matches.length > 0 && !matches.some((m) => matchFits(m, request))) continue;
    const name = `${vs.metadata.name}/${route.name ?? index}`;
    if (route.directResponse) {
      const body = route.directResponse.body ?? {};
      const text = typeof body.string === 'string' ? body.string : typeof body.bytes === 'string' ? Buffer.from(body.bytes, 'base64').toString('utf8') : '';
      return { kind: 'direct', status: route.directResponse.status, body: text, route: name };
    }
    const destinations: WeightedDestination[] = (route.route ?? []).map((d: Any) => ({
      host: qualifyHost(d.destination.host, namespace),
      ...(d.destination.subset ? { subset: d.destination.subset } : {}),
      ...(d.destination.port?.number ? { port: d.destination.port.number } : {}),
      // A single destination takes all traffic; weights are shares of their sum.
      weight: d.weight ?? (route.route.length === 1 ? 100 : 0),
    }));
    const timeoutMs = route.timeout === undefined ? undefined : parseDurationMs(route.timeout);
    return {
      kind: 'route',
      destinations,
      retry: retryPolicyOf(route.retries),
      ...(timeoutMs ? { timeoutMs } : {}),
      route: name,
    };
  }
  return undefined;
}

export function retryPolicyOf(retries: Any | undefined): RetryPolicy {
  if (retries === undefined) return ISTIO_DEFAULT_RETRY;
  const tokens = String(retries.retryOn ?? ISTIO_DEFAULT_RETRY.retryOn.join(','))
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  // Istio turns bare status codes in retryOn into retriable-status-codes with those codes.
  const codes = tokens.filter((t) => /^\d{3}$/.test(t)).map(Number);
  const retryOn = tokens.filter((t) => !/^\d{3}$/.test(t));
  if (codes.length > 0 && !retryOn.includes('retriable-status-codes')) retryOn.push('retriable-status-codes');
  const perTry = retries.perTryTimeout === undefined ? undefined : parseDurationMs(retries.perTryTimeout);
  return {
    attempts: retries.attempts ?? 0,
    retryOn,
    retriableStatusCodes: codes.length > 0 ? codes : retries.retryOn === undefined ? [503] : [],
    ignorePreviousHosts: retries.retryIgnorePreviousHosts ?? true,
    ...(perTry ? { perTryTimeoutMs: perTry } : {}),
  };
}

/** Picks a destination by weight; `random` in [0, 1). */
export function pickWeighted(destinations: WeightedDestination[], random: number): WeightedDestination | undefined {
  const total = destinations.reduce((sum, d) => sum + d.weight, 0);
  if (total <= 0) return destinations[0];
  let point = random * total;
  for (const d of destinations) {
    if (point < d.weight) return d;
    point -= d.weight;
  }
  return destinations.at(-1);
}

/** Istio durations: 1h, 1m, 1s, 1ms, also fractional seconds (0.5s). */
export function parseDurationMs(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(h|m|s|ms)$/.exec(String(value).trim());
  if (!m) throw new Error(`not a duration: ${value}`);
  const factor = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as 'h' | 'm' | 's' | 'ms'];
  return Number(m[1]) * factor;
}

function matchFits(m: Any, request: RouteRequest): boolean {
  const caseless = m.ignoreUriCase === true;
  if (m.uri && !stringMatch(m.uri, request.path, caseless)) return false;
  if (m.method && !stringMatch(m.method, request.method, false)) return false;
  if (m.port !== undefined && m.port !== request.port) return false;
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== request.sourceNamespace) return false;
  for (const [label, value] of Object.entries<string>(m.sourceLabels ?? {})) if (request.sourceLabels[label] !== value) return false;
  for (const [name, condition] of Object.entries<Any>(m.headers ?? {})) {
    const raw = request.headers[name.toLowerCase()];
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    if (value === undefined || !stringMatch(condition, value, false)) return false;
  }
  return true;
}

function stringMatch(condition: Any, value: string, caseless: boolean): boolean {
  const v = caseless ? value.toLowerCase() : value;
  const c = (s: string) => (caseless ? s.toLowerCase() : s);
  if (typeof condition.exact === 'string') return v === c(condition.exact);
  if (typeof condition.prefix === 'string') return v.startsWith(c(condition.prefix));
  // Envoy's safe_regex (RE2) matches the whole value.
  if (typeof condition.regex === 'string') return new RegExp(`^(?:${condition.regex})$`, caseless ? 'i' : '').test(value);
  return true;
}
