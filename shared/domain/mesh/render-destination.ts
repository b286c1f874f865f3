import { type CircuitBreakerSpec, clusterDnsOf, type MeshService, type TrafficPolicy } from './canonical.ts';
import type { KubeObject } from './kube-resources.ts';
import { durationOf, envelope, smallest } from './render-common.ts';
import { meshHostOf } from './render-routes.ts';
import type { BreakerAlarmSpec } from './rendering.ts';

/** reset_seconds when a manifest gives none: Istio's own default baseEjectionTime. */
export const DEFAULT_RESET_SECONDS = 30;

/**
 * The DestinationRule: connectionPool from maxConnections and outlierDetection from max_failures and
 * reset_seconds (https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings,
 * #OutlierDetection). Both apply to every caller of the destination. Undefined when there is neither.
 */
export function renderDestinationRule(service: MeshService, policies: TrafficPolicy[], reasons: string[]): KubeObject | undefined {
  const { name, namespace } = service.metadata;
  const own = service.spec.circuitBreaker ?? {};
  const fromPolicies = policies.map((p) => p.spec.circuitBreaker ?? {});
  const trafficPolicy: Record<string, unknown> = {};

  const maxConnections = smallest([own.maxConnections, ...fromPolicies.map((b) => b.maxConnections)]);
  if (maxConnections !== undefined) {
    trafficPolicy.connectionPool = { tcp: { maxConnections } };
    reasons.push(
      `maxConnections ${maxConnections} is connectionPool.tcp.maxConnections: a limit on connections to every pod of ${name} from each calling proxy, whoever the caller is (Istio has no per-source pool), so the smallest given applies; it sheds load (503 overflow) but ejects no pod.`,
    );
  }

  const consecutive = own.consecutiveFailures ?? smallest(fromPolicies.map((b) => b.consecutiveFailures));
  if (consecutive !== undefined) {
    const resetSeconds = own.resetSeconds ?? smallest(fromPolicies.map((b) => b.resetSeconds)) ?? DEFAULT_RESET_SECONDS;
    trafficPolicy.outlierDetection = {
      consecutive5xxErrors: consecutive,
      interval: '10s',
      baseEjectionTime: durationOf(resetSeconds * 1000),
      maxEjectionPercent: 100,
    };
    reasons.push(
      `max_failures ${consecutive} is outlierDetection.consecutive5xxErrors and reset_seconds ${resetSeconds} is baseEjectionTime ${durationOf(resetSeconds * 1000)}: a pod answering ${consecutive} 5xx in a row is ejected for that long (longer each time it is ejected again).`,
    );
    reasons.push(
      'maxEjectionPercent is 100 (Istio defaults to 10%): when every pod is ejected, callers fail fast with 503 "no healthy upstream", as chapter 10 says, instead of reaching a failing pod.',
    );
  }

  if (Object.keys(trafficPolicy).length === 0) {
    reasons.push(`No circuit breaker or connection limit: no DestinationRule is rendered (a previous one is pruned).`);
    return undefined;
  }
  return envelope('DestinationRule', service, { spec: { host: clusterDnsOf(name, namespace), trafficPolicy } });
}

/**
 * The service-level breaker of errorPercent: Istio has no field for an error percentage, so hms-sys keeps
 * an alarm on the destination's 5xx percentage; entering ALARM opens the breaker (a 503 directResponse route)
 * for resetSeconds. The smallest percentage given wins.
 */
export function breakerAlarmOf(service: MeshService, policies: TrafficPolicy[], reasons: string[]): BreakerAlarmSpec | undefined {
  const specs: { spec: CircuitBreakerSpec; from: string }[] = [
    ...(service.spec.circuitBreaker ? [{ spec: service.spec.circuitBreaker, from: `the manifest of ${service.metadata.name}` }] : []),
    ...policies.flatMap((p) => (p.spec.circuitBreaker ? [{ spec: p.spec.circuitBreaker, from: `TrafficPolicy ${p.metadata.name}` }] : [])),
  ];
  const chosen = specs
    .filter((s): s is { spec: CircuitBreakerSpec & { errorPercent: number }; from: string } => s.spec.errorPercent !== undefined)
    .sort((a, b) => a.spec.errorPercent - b.spec.errorPercent)[0];
  if (!chosen) return undefined;
  const resetSeconds = chosen.spec.resetSeconds ?? service.spec.circuitBreaker?.resetSeconds ?? DEFAULT_RESET_SECONDS;
  reasons.push(
    `errorPercent ${chosen.spec.errorPercent} (from ${chosen.from}) has no Istio field: hms-sys keeps an alarm on ${service.metadata.name}'s 5xx percentage; when it passes ${chosen.spec.errorPercent}% the service-level breaker opens and callers get a fast 503 for ${resetSeconds} s, then traffic flows again. It applies to every caller.`,
  );
  return { errorPercent: chosen.spec.errorPercent, resetSeconds };
}

/**
 * The ServiceEntry that makes http://<name>.mesh resolve: with Istio's DNS proxying and automatic address
 * allocation (ISTIO_META_DNS_CAPTURE, ISTIO_META_DNS_AUTO_ALLOCATE; https://istio.io/latest/docs/ops/configuration/traffic-management/dns-proxy/)
 * the proxy answers the name with an allocated address, since the entry lists none. It serves the manifest's
 * port and port 80, both to the pods' port, and selects the pods by label (MESH_INTERNAL, STATIC).
 */
export function renderServiceEntry(service: MeshService, reasons: string[]): KubeObject {
  const { name } = service.metadata;
  const { port } = service.spec;
  const ports = [{ number: port, name: 'http', protocol: 'HTTP', targetPort: port }];
  if (port !== 80) ports.push({ number: 80, name: 'http-80', protocol: 'HTTP', targetPort: port });
  const urls = port === 80 ? `http://${meshHostOf(name)}/` : `http://${meshHostOf(name)}:${port} and http://${meshHostOf(name)}/`;
  reasons.push(
    `ServiceEntry ${meshHostOf(name)} (port ${ports.map((p) => p.number).join(' and ')} to the pods' port ${port}): ${urls} resolve through Istio's DNS proxying with automatic address allocation, which the mesh must have enabled.`,
  );
  return envelope('ServiceEntry', service, {
    spec: {
      hosts: [meshHostOf(name)],
      location: 'MESH_INTERNAL',
      resolution: 'STATIC',
      ports,
      workloadSelector: { labels: { app: name } },
    },
  });
}
