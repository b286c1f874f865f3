/**
 * The canonical, versioned form every mesh manifest normalises into (docs/schemas/hms-mesh.v1.json
 * publishes it). Chapter 12's receipt.hms.yml, chapter 10's manifests/notification.yaml, chapter 7's
 * TrafficPolicy and chapter 7's `hms/mesh: enabled` Pods are parsed by manifest-parse.ts into these.
 */
export const MESH_API_VERSION = 'hms-sys.io/v1';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** STRICT: only mTLS (chapter 10's `mTLS: required`); PERMISSIVE: plain text accepted too. */
export type MtlsMode = 'STRICT' | 'PERMISSIVE';

/** How pods join Istio: a sidecar injected per pod, or ambient mode (ztunnel, no sidecar). */
export type MeshMode = 'sidecar' | 'ambient';

export interface MeshRoute {
  /** A path prefix, starting with '/'. */
  path: string;
  /** Methods allowed on it; empty means any. */
  methods: HttpMethod[];
}

export interface CircuitBreakerSpec {
  /** Consecutive 5xx answers that eject a pod (chapter 10's max_failures): outlierDetection.consecutive5xxErrors. */
  consecutiveFailures?: number;
  /** How long an ejected pod (or an open service breaker) stays out (chapter 10's reset_seconds): baseEjectionTime. */
  resetSeconds?: number;
  /** Connection limit to the destination (chapter 7's maxConnections): connectionPool. */
  maxConnections?: number;
  /** The destination's 5xx percentage that trips the service-level breaker, through an alarm (chapter 7's errorPercent). */
  errorPercent?: number;
}

export interface ScalingSpec {
  min: number;
  max: number;
  /** CPU utilisation that scales out (chapter 12's "CPU hits 70%"). */
  cpuPercent: number;
}

export interface MeshServiceSpec {
  version?: string;
  /** Without an image hms-sys renders no Deployment: the workload (pods labelled app=<name>) is the user's own. */
  image?: string;
  /** The container port, which is also the Service port. */
  port: number;
  /** Empty: every path. */
  routes: MeshRoute[];
  scaling?: ScalingSpec;
  /** Attempts after the first try (chapter 10's and chapter 7's `retries`): VirtualService retries.attempts. */
  retries?: number;
  /** The whole request's timeout (chapter 7's timeoutMs): VirtualService timeout. */
  timeoutMs?: number;
  circuitBreaker?: CircuitBreakerSpec;
  mtls: MtlsMode;
  /** Other namespaces whose workloads may call this one; its own namespace always may. */
  allowFrom: string[];
  /** Extra pod labels the manifest asked for (chapter 7's Pod labels), beyond the ones hms-sys sets. */
  podLabels: Record<string, string>;
}

export interface MeshService {
  apiVersion: typeof MESH_API_VERSION;
  kind: 'MeshService';
  metadata: { name: string; namespace: string };
  spec: MeshServiceSpec;
}

export interface TrafficPolicySpec {
  /** The calling service (a registry name). */
  source: string;
  /** The called service (a registry name). */
  destination: string;
  retries?: number;
  timeoutMs?: number;
  circuitBreaker?: CircuitBreakerSpec;
}

export interface TrafficPolicy {
  apiVersion: typeof MESH_API_VERSION;
  kind: 'TrafficPolicy';
  metadata: { name: string; namespace: string };
  spec: TrafficPolicySpec;
}

export type MeshDocument = MeshService | TrafficPolicy;

/** Which accepted format a file was written in, for the command's output. */
export type ManifestFormat = 'chapter-12-service' | 'chapter-10-mesh' | 'chapter-7-traffic-policy' | 'chapter-7-pod' | 'kubernetes-deployment' | 'canonical';

export interface ParsedManifest {
  format: ManifestFormat;
  document: MeshDocument;
}

/** A service paused by an operator (chapter 7's POST /policies/pause): callers get 503 Service Paused until `until`. */
export interface Pause {
  service: string;
  namespace: string;
  /** ISO instant. */
  until: string;
  by: string;
  reason?: string;
  createdAt: string;
  /** When it was ended (resumed, or found past `until`): set before its objects are re-rendered and the record deleted. */
  endedAt?: string;
  version: number;
}

/** An open service-level breaker (errorPercent's alarm fired): callers get a fast 503 until `until`. */
export interface Breaker {
  service: string;
  namespace: string;
  openedAt: string;
  until: string;
  /** The alarm that tripped it. */
  alarm: string;
  /** The decision's reasons, in words. */
  reasons: string[];
  /** When its window was found over: set before its objects are re-rendered and the record deleted. */
  closedAt?: string;
  version: number;
}

/** A TrafficPolicy as the registry keeps it. */
export interface StoredPolicy {
  name: string;
  policy: TrafficPolicy;
  appliedAt: string;
  appliedBy: string;
  version: number;
}

/** One registry entry (chapter 12's "phone book"): what a manifest declared, where it is and what hms-sys applied for it. */
export interface RegistryEntry {
  /** Unique across namespaces, so discover(name) is unambiguous. */
  name: string;
  namespace: string;
  /** The EKS cluster it runs on. */
  cluster: string;
  /** The manifest's version (chapter 12's `version`); `version` below is the record's own. */
  serviceVersion?: string;
  port: number;
  routes: MeshRoute[];
  /** http://<name>.mesh:<port>, resolved by Istio's DNS proxying through the ServiceEntry. */
  meshUrl: string;
  /** <name>.<namespace>.svc.cluster.local */
  clusterDns: string;
  mtls: MtlsMode;
  /** The canonical manifest last applied, from which every later rendering starts. */
  manifest: MeshService;
  /** The objects hms-sys applied for it, so a later apply can prune the ones no longer rendered. */
  objects: ObjectRef[];
  /** The autoscale rule made for `scaling`, if any. */
  ruleId?: string;
  /**
   * Set while an apply of `manifest` is under way: the entry is claimed (stored as the desired
   * state) before the first cluster write, and cleared once the cluster, the rule and the entry agree.
   * One left set by a killed process is finished by the next apply or the mesh tick.
   */
  applying?: { by: string; at: string };
  appliedAt: string;
  appliedBy: string;
  version: number;
}

/** A Kubernetes object's identity. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** A Ready endpoint of a service, read from its EndpointSlices. */
export interface Endpoint {
  address: string;
  port: number;
  /** The pod behind it (targetRef.name), when the slice names one. */
  pod?: string;
  nodeName?: string;
}

export const meshUrlOf = (name: string, port: number): string => `http://${name}.mesh:${port}`;
export const clusterDnsOf = (name: string, namespace: string): string => `${name}.${namespace}.svc.cluster.local`;
