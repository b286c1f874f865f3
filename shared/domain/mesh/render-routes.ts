import { clusterDnsOf, type MeshService, type TrafficPolicy } from './canonical.ts';
import type { KubeObject } from './kube-resources.ts';
import { pauseReach } from './pause-reach.ts';
import { durationOf, envelope } from './render-common.ts';
import type { RenderInput } from './rendering.ts';

/** The host `<name>.mesh` the ServiceEntry declares and Istio's DNS proxying resolves. */
export const meshHostOf = (name: string): string => `${name}.mesh`;

/**
 * Istio's own default when a route sets no retries is 2 attempts on
 * "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes" with 503 as the retriable
 * status (https://github.com/istio/istio/issues/20547, https://istio.io/latest/docs/concepts/traffic-management/#retries),
 * so an upstream's own 503 would be retried. hms-sys writes the same attempts without the 503.
 */
export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled';
/** What a manifest's `retries: N` retries on: any 5xx (which includes gateway errors), a reset, a refused connection or stream. */
export const RETRY_ON = '5xx,reset,connect-failure,refused-stream';
export const PAUSE_BODY = 'Service Paused';
export const BREAKER_BODY = 'Service Unavailable: circuit open';

interface Resilience {
  retries?: number;
  timeoutMs?: number;
}

/** Envoy's retry back-off: 25 ms base, at most 10 times that between two tries (BackoffStrategy max_interval's default). */
export const RETRY_BACKOFF_BASE_MS = 25;
export const RETRY_BACKOFF_MAX_MS = 250;

/**
 * The longest Envoy can wait between tries, summed over `retries` retries. Its back-off is fully
 * jittered exponential: before retry n it waits a random time below (2^n - 1) x 25 ms (0-24 ms,
 * 0-74 ms, 0-174 ms, ...), each wait capped at 250 ms, and the waits count against the route's
 * timeout (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-max-retries,
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/backoff.proto).
 */
export function retryBackoffBudgetMs(retries: number): number {
  let total = 0;
  for (let n = 1; n <= retries; n++) total += Math.min((2 ** n - 1) * RETRY_BACKOFF_BASE_MS, RETRY_BACKOFF_MAX_MS);
  return total;
}

/** The timeout left for the tries once the back-off budget is set aside, split evenly over them (whole ms; below 1 ms none is left). */
function perTryMsOf(timeoutMs: number, retries: number): number {
  return Math.floor((timeoutMs - retryBackoffBudgetMs(retries)) / (retries + 1));
}

/**
 * HTTPRetry and timeout of one route (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry).
 * perTryTimeout is what the timeout leaves once the longest back-off is set aside, split evenly over
 * the first try and the retries, so every try and every wait fits in it. retryIgnorePreviousHosts
 * (default true) is written out: the retry lands on another pod (chapter 12).
 */
function resilienceOf({ retries, timeoutMs }: Resilience): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (retries === undefined) out.retries = { attempts: 2, retryOn: DEFAULT_RETRY_ON, retryIgnorePreviousHosts: true };
  else if (retries === 0) out.retries = { attempts: 0 };
  else {
    const retry: Record<string, unknown> = { attempts: retries, retryOn: RETRY_ON, retryIgnorePreviousHosts: true };
    if (timeoutMs !== undefined) retry.perTryTimeout = durationOf(perTryMsOf(timeoutMs, retries));
    out.retries = retry;
  }
  if (timeoutMs !== undefined) out.timeout = durationOf(timeoutMs);
  return out;
}

function perTryWords(timeoutMs: number, retries: number): string {
  const tries = retries + 1;
  const backoff = retryBackoffBudgetMs(retries);
  const perTry = perTryMsOf(timeoutMs, retries);
  return perTry >= 1
    ? `, perTryTimeout ${durationOf(perTry)}: the timeout less ${backoff} ms, the longest Envoy's jittered back-off can wait over ${retries} retries (25 ms base, doubling, at most 250 ms a wait), split over ${tries} tries, so all ${tries} tries and the waits between them fit in the timeout`
    : `, perTryTimeout 1ms (Istio's least): the timeout leaves no time for ${tries} tries once Envoy's back-off between them (up to ${backoff} ms) is counted, so the timeout may end the request before every try can run`;
}

function describe(what: string, { retries, timeoutMs }: Resilience): string {
  const retryWords =
    retries === undefined
      ? `retries not set: 2 attempts on ${DEFAULT_RETRY_ON} (Istio's default would also retry an upstream's 503; hms-sys leaves that out)`
      : retries === 0
        ? 'retries: 0 is retries.attempts 0, so no retry'
        : `retries: ${retries} is retries.attempts ${retries} on ${RETRY_ON}, each try on another pod${timeoutMs === undefined ? '' : perTryWords(timeoutMs, retries)}`;
  const timeoutWords = timeoutMs === undefined ? 'no timeout' : `timeoutMs: ${timeoutMs} is timeout ${durationOf(timeoutMs)}`;
  return `${what}: ${retryWords}; ${timeoutWords}.`;
}

/** The manifest's routes as Istio matches: one per path and method (matches are ORed); none means every path. */
function baseMatches(service: MeshService): Record<string, unknown>[] {
  const matches: Record<string, unknown>[] = [];
  for (const route of service.spec.routes) {
    if (route.methods.length === 0) matches.push({ uri: { prefix: route.path } });
    for (const method of route.methods) matches.push({ uri: { prefix: route.path }, method: { exact: method } });
  }
  return matches;
}

/**
 * A directResponse route answering 503 to every path, placed first: the caller's proxy answers it and never
 * reaches an upstream, so nothing retries or times it out. A fault abort was the other way, but "timeouts or
 * retries will not be enabled when faults are enabled" (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute)
 * and an upstream's 503 is what Istio's default retries retry (#HTTPDirectResponse on the same page).
 */
function directResponseRoute(name: string, body: string): Record<string, unknown> {
  return { name, match: [{ uri: { prefix: '/' } }], directResponse: { status: 503, body: { string: body } } };
}

export function renderVirtualService(input: RenderInput, policies: TrafficPolicy[], reasons: string[]): KubeObject {
  const { service, pause, breaker, sourceNamespaces } = input;
  const { name, namespace } = service.metadata;
  const clusterDns = clusterDnsOf(name, namespace);
  // Built afresh for each use: the objects are trees, never sharing a node (YAML output has no anchors).
  const destination = () => [{ destination: { host: clusterDns, port: { number: service.spec.port } } }];
  const base = baseMatches(service);
  const http: Record<string, unknown>[] = [];

  if (pause) {
    http.push(directResponseRoute('pause', PAUSE_BODY));
    reasons.push(`Paused until ${pause.until} by a first route: ${pauseReach(input.mode).join('; ')}.`);
  } else if (breaker) {
    http.push(directResponseRoute('breaker', BREAKER_BODY));
    reasons.push(
      `The service-level breaker is open until ${breaker.until}: the first route answers a fast 503 "${BREAKER_BODY}" by directResponse, not retried.`,
    );
  }
  if (pause && breaker) reasons.push(`The breaker is also open until ${breaker.until}; the pause's answer is the one callers see.`);

  for (const policy of policies) {
    const { source, retries, timeoutMs } = policy.spec;
    const sourceNamespace = sourceNamespaces[source];
    const who: Record<string, unknown> = { sourceLabels: { app: source } };
    if (sourceNamespace !== undefined) who.sourceNamespace = sourceNamespace;
    const match = base.length === 0 ? [who] : baseMatches(service).map((m) => ({ ...m, ...structuredClone(who) }));
    const resilience = { retries: retries ?? service.spec.retries, timeoutMs: timeoutMs ?? service.spec.timeoutMs };
    http.push({ name: `policy-${policy.metadata.name}`, match, route: destination(), ...resilienceOf(resilience) });
    reasons.push(describe(`TrafficPolicy ${policy.metadata.name}: calls from ${source} (pods labelled app=${source}) take their own route`, resilience));
  }

  const own = { retries: service.spec.retries, timeoutMs: service.spec.timeoutMs };
  const defaultRoute: Record<string, unknown> = { name: 'default' };
  if (base.length > 0) defaultRoute.match = baseMatches(service);
  http.push({ ...defaultRoute, route: destination(), ...resilienceOf(own) });
  reasons.push(describe(`VirtualService ${name} answers ${clusterDns} and ${meshHostOf(name)}`, own));
  reasons.push(
    base.length === 0
      ? 'No routes listed: every path is routed.'
      : `Only the listed routes are routed (${service.spec.routes.map((r) => `${r.methods.length ? r.methods.join('|') : 'any'} ${r.path}`).join(', ')}); another path or method gets Istio's 404.`,
  );

  return envelope('VirtualService', service, { spec: { hosts: [clusterDns, meshHostOf(name)], http } });
}
