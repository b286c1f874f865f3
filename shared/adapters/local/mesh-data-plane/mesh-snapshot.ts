/**
 * One consistent view of the objects the data plane enforces, as istiod hands Envoy a snapshot:
 * VirtualServices, DestinationRules, ServiceEntries, Services, EndpointSlices and Pods read from
 * the API server. Lookups follow Istio's rules where the data plane depends on them:
 * - a short host (`reviews`) means `reviews.<namespace of the object>.svc.cluster.local`
 *   (https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService);
 * - when several VirtualServices claim a host, the oldest wins (Istio merges only for gateways);
 * - a Service's endpoints are its EndpointSlices' Ready endpoints on the slice port named as the Service port;
 * - a ServiceEntry's endpoints come from its workloadSelector (Ready pods) or its `endpoints`.
 */
import type { KubeObject } from '#domain/mesh/kube-resources.ts';

export interface MeshObjects {
  virtualServices: KubeObject[];
  destinationRules: KubeObject[];
  serviceEntries: KubeObject[];
  services: KubeObject[];
  endpointSlices: KubeObject[];
  pods: KubeObject[];
  authorizationPolicies: KubeObject[];
}

export interface UpstreamEndpoint {
  address: string;
  port: number;
  pod?: string;
  /** The pod's namespace, when the endpoint is a pod. */
  namespace?: string;
  labels: Record<string, string>;
}

/** An Envoy cluster: one destination host, port and subset, its endpoints and traffic policy. */
export interface ClusterTarget {
  key: string;
  /** For telemetry: the destination service's short name and namespace. */
  service: string;
  namespace: string;
  endpoints: UpstreamEndpoint[];
  policy: TrafficPolicy;
}

/** A DestinationRule's trafficPolicy, as the data plane reads it (Istio's field names). */
export interface TrafficPolicy {
  connectionPool?: {
    tcp?: { maxConnections?: number };
    http?: { http1MaxPendingRequests?: number; http2MaxRequests?: number; maxRetries?: number };
  };
  outlierDetection?: {
    consecutive5xxErrors?: number;
    consecutiveGatewayErrors?: number;
    interval?: string;
    baseEjectionTime?: string;
    maxEjectionPercent?: number;
    minHealthPercent?: number;
  };
}

type Any = Record<string, any>;
const CLUSTER_SUFFIX = 'svc.cluster.local';

/** `reviews` in namespace ns → reviews.ns.svc.cluster.local; `a.b` → a.b.svc.cluster.local; FQDNs and wildcards as they are. */
export function qualifyHost(host: string, namespace: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === '*' || h.startsWith('*.')) return h;
  if (!h.includes('.')) return `${h}.${namespace}.${CLUSTER_SUFFIX}`;
  const parts = h.split('.');
  if (parts.length === 2 && !h.endsWith('.mesh')) return `${h}.${CLUSTER_SUFFIX}`;
  if (h.endsWith('.svc')) return `${h}.cluster.local`;
  return h;
}

export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

const created = (o: KubeObject) => Date.parse(o.metadata.creationTimestamp ?? '') || 0;
const ns = (o: KubeObject) => o.metadata.namespace ?? 'default';

export function isPodReady(pod: KubeObject): boolean {
  const status = (pod as Any).status ?? {};
  const ready = (status.conditions ?? []).find((c: Any) => c.type === 'Ready');
  return ready ? ready.status === 'True' : status.phase === 'Running';
}

export class MeshSnapshot {
  private readonly podsByName = new Map<string, KubeObject>();

  constructor(readonly objects: MeshObjects) {
    for (const pod of objects.pods) this.podsByName.set(`${ns(pod)}/${pod.metadata.name}`, pod);
  }

  /** The VirtualService that routes a host (qualified), oldest first when several claim it. */
  virtualServiceFor(host: string): KubeObject | undefined {
    const claims = this.objects.virtualServices.filter((vs) => ((vs as Any).spec?.hosts ?? []).some((h: string) => hostMatches(qualifyHost(h, ns(vs)), host)));
    return claims.sort((a, b) => created(a) - created(b))[0];
  }

  /** True when some ServiceEntry or Service makes the host known to the mesh. */
  knows(host: string): boolean {
    return this.serviceEntryFor(host) !== undefined || this.serviceFor(host) !== undefined;
  }

  /** The cluster for a destination host (qualified) and port, or undefined when the mesh has none (NC). */
  cluster(host: string, port: number, subset?: string): ClusterTarget | undefined {
    const entry = this.serviceEntryFor(host);
    const service = entry ? undefined : this.serviceFor(host);
    if (!entry && !service) return undefined;
    const namespace = ns((entry ?? service)!);
    let endpoints = entry ? this.serviceEntryEndpoints(entry, port) : this.serviceEndpoints(service!, port);
    if (endpoints === undefined) return undefined;
    const rule = this.destinationRuleFor(host, namespace);
    const spec = (rule as Any | undefined)?.spec ?? {};
    let policy: TrafficPolicy = spec.trafficPolicy ?? {};
    if (subset !== undefined) {
      const found = (spec.subsets ?? []).find((s: Any) => s.name === subset);
      if (!found) return undefined;
      const labels: Record<string, string> = found.labels ?? {};
      endpoints = endpoints.filter((e) => Object.entries(labels).every(([k, v]) => e.labels[k] === v));
      policy = { ...policy, ...(found.trafficPolicy ?? {}) };
    }
    const name = entry ? host.replace(/\.mesh$/, '').split('.')[0]! : service!.metadata.name;
    return { key: `outbound|${port}|${subset ?? ''}|${host}`, service: name, namespace, endpoints, policy };
  }

  /** The labels, namespace and service account of a calling workload named by the proxy's basic-auth user; known: a pod of it exists. */
  sourceOf(workload: string): { labels: Record<string, string>; namespace: string; serviceAccount: string; known: boolean } {
    const pod = this.objects.pods.find((p) => p.metadata.labels?.app === workload) ?? this.objects.pods.find((p) => p.metadata.name.startsWith(`${workload}-`));
    if (!pod) return { labels: { app: workload }, namespace: 'unknown', serviceAccount: 'default', known: false };
    const serviceAccount = (pod as Any).spec?.serviceAccountName ?? 'default';
    return { labels: { ...(pod.metadata.labels ?? {}) }, namespace: ns(pod), serviceAccount, known: true };
  }

  private serviceEntryFor(host: string): KubeObject | undefined {
    return this.objects.serviceEntries
      .filter((se) => ((se as Any).spec?.hosts ?? []).some((h: string) => hostMatches(h.toLowerCase(), host)))
      .sort((a, b) => created(a) - created(b))[0];
  }

  private serviceFor(host: string): KubeObject | undefined {
    const m = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(host);
    return m ? this.objects.services.find((s) => s.metadata.name === m[1] && ns(s) === m[2]) : undefined;
  }

  private destinationRuleFor(host: string, namespace: string): KubeObject | undefined {
    const matching = this.objects.destinationRules.filter(
      (dr) => typeof (dr as Any).spec?.host === 'string' && hostMatches(qualifyHost((dr as Any).spec.host, ns(dr)), host),
    );
    return matching.find((dr) => ns(dr) === namespace) ?? matching.sort((a, b) => created(a) - created(b))[0];
  }

  private serviceEndpoints(service: KubeObject, port: number): UpstreamEndpoint[] | undefined {
    const ports: Any[] = (service as Any).spec?.ports ?? [];
    const servicePort = ports.find((p) => p.port === port) ?? (ports.length === 1 ? ports[0] : undefined);
    if (!servicePort) return undefined;
    const out: UpstreamEndpoint[] = [];
    for (const slice of this.objects.endpointSlices) {
      if (ns(slice) !== ns(service) || slice.metadata.labels?.['kubernetes.io/service-name'] !== service.metadata.name) continue;
      const slicePort = ((slice as Any).ports ?? []).find((p: Any) => (p.name ?? '') === (servicePort.name ?? ''));
      const number = slicePort?.port ?? (typeof servicePort.targetPort === 'number' ? servicePort.targetPort : servicePort.port);
      for (const e of (slice as Any).endpoints ?? []) {
        if (e.conditions?.ready === false || !e.addresses?.[0]) continue;
        out.push(this.endpoint(e.addresses[0], number, ns(slice), e.targetRef?.name));
      }
    }
    return out;
  }

  private serviceEntryEndpoints(entry: KubeObject, port: number): UpstreamEndpoint[] | undefined {
    const spec = (entry as Any).spec ?? {};
    const sePort = (spec.ports ?? []).find((p: Any) => p.number === port);
    if (!sePort) return undefined;
    const target: number = sePort.targetPort ?? sePort.number;
    if (spec.workloadSelector?.labels) {
      const labels: Record<string, string> = spec.workloadSelector.labels;
      return this.objects.pods
        .filter((p) => ns(p) === ns(entry) && isPodReady(p) && (p as Any).status?.podIP)
        .filter((p) => Object.entries(labels).every(([k, v]) => p.metadata.labels?.[k] === v))
        .map((p) => this.endpoint((p as Any).status.podIP, target, ns(p), p.metadata.name));
    }
    const out: UpstreamEndpoint[] = [];
    for (const e of spec.endpoints ?? []) {
      const number: number = e.ports?.[sePort.name] ?? target;
      const service = typeof e.address === 'string' ? this.serviceFor(qualifyHost(e.address, ns(entry))) : undefined;
      // A Service's DNS name resolves to its ClusterIP, behind which kube-proxy picks a Ready pod: its pods stand in for it.
      if (service) out.push(...(this.serviceEndpoints(service, number) ?? []));
      else if (typeof e.address === 'string') out.push({ address: e.address, port: number, labels: e.labels ?? {} });
    }
    return out;
  }

  private endpoint(address: string, port: number, namespace: string, podName?: string): UpstreamEndpoint {
    const pod = podName ? this.podsByName.get(`${namespace}/${podName}`) : undefined;
    return { address, port, ...(podName ? { pod: podName, namespace } : {}), labels: { ...(pod?.metadata.labels ?? {}) } };
  }
}
