import * as z from 'zod/mini';

// The shapes the mesh function answers with (shared/use-cases/mesh/apply-result.ts and
// shared/domain/mesh/canonical.ts), as zod schemas: OpenAPI's response schemas are generated from
// them, and each operation's result type must be assignable to its schema's output.

const str = z.string();
const num = z.number();
const strings = z.array(str);
const labels = z.record(str, str);

const httpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const mtls = z.enum(['STRICT', 'PERMISSIVE']);
const route = z.object({ path: str, methods: z.array(httpMethod) });
const circuitBreaker = z.object({
  consecutiveFailures: z.optional(num),
  resetSeconds: z.optional(num),
  maxConnections: z.optional(num),
  errorPercent: z.optional(num),
});
const metadata = z.object({ name: str, namespace: str });

/** The canonical MeshService (apiVersion hms-sys.io/v1), as docs/schemas/hms-mesh.v1.json publishes it. */
export const meshService = z.object({
  apiVersion: z.literal('hms-sys.io/v1'),
  kind: z.literal('MeshService'),
  metadata,
  spec: z.object({
    version: z.optional(str),
    image: z.optional(str),
    port: num,
    routes: z.array(route),
    scaling: z.optional(z.object({ min: num, max: num, cpuPercent: num })),
    retries: z.optional(num),
    timeoutMs: z.optional(num),
    circuitBreaker: z.optional(circuitBreaker),
    mtls,
    allowFrom: strings,
    podLabels: labels,
  }),
});

export const trafficPolicy = z.object({
  apiVersion: z.literal('hms-sys.io/v1'),
  kind: z.literal('TrafficPolicy'),
  metadata,
  spec: z.object({
    source: str,
    destination: str,
    retries: z.optional(num),
    timeoutMs: z.optional(num),
    circuitBreaker: z.optional(circuitBreaker),
  }),
});

export const objectRef = z.object({ apiVersion: str, kind: str, namespace: str, name: str });

/** A Kubernetes or Istio object as rendered or stored: its own schema is its CRD's. */
const kubeObject = z.looseObject({ apiVersion: str, kind: str, metadata: z.looseObject({ name: str }) });

export const objectChange = z.object({
  ref: objectRef,
  action: z.enum(['created', 'configured', 'unchanged', 'pruned']),
  diff: strings,
  object: z.optional(kubeObject),
});

export const endpoint = z.object({ address: str, port: num, pod: z.optional(str), nodeName: z.optional(str) });

const registryFields = {
  name: str,
  namespace: str,
  cluster: str,
  serviceVersion: z.optional(str),
  port: num,
  routes: z.array(route),
  meshUrl: str,
  clusterDns: str,
  mtls,
  manifest: meshService,
  objects: z.array(objectRef),
  ruleId: z.optional(str),
  /** An apply of `manifest` under way (or left by a killed process, which the next apply or the mesh tick finishes). */
  applying: z.optional(z.object({ by: str, at: str })),
  appliedAt: str,
  appliedBy: str,
  version: num,
};
export const registryEntry = z.object(registryFields);
/** The Deployment's rollout of its current pod template, as `kubectl rollout status` reads it (shared/domain/mesh/rollout.ts). */
export const rollout = z.object({
  deployment: str,
  image: z.optional(str),
  desired: num,
  updated: num,
  ready: num,
  observed: z.boolean(),
  complete: z.boolean(),
  waitingFor: z.optional(str),
});
/** GET /registry/{name}: the entry with its Ready endpoints, read from EndpointSlices when asked, and its Deployment's rollout when hms-sys renders one. */
export const registryEntryWithEndpoints = z.object({ ...registryFields, endpoints: z.array(endpoint), rollout: z.optional(rollout) });

const manifestFormat = z.enum(['chapter-12-service', 'chapter-10-mesh', 'chapter-7-traffic-policy', 'chapter-7-pod', 'kubernetes-deployment', 'canonical']);

/** POST /manifests and POST /policies: the steps that happened, the objects and what became of each. */
export const applyResult = z.object({
  kind: z.enum(['MeshService', 'TrafficPolicy']),
  format: manifestFormat,
  name: str,
  namespace: str,
  dryRun: z.boolean(),
  steps: z.array(z.object({ ok: z.boolean(), text: str })),
  objects: z.array(objectChange),
  serviceUrl: z.optional(str),
  meshUrl: z.optional(str),
  entry: z.optional(registryEntry),
  reasons: strings,
});

/** DELETE /policies/{name}: the destination re-rendered without the policy, then the policy deleted. */
const policyDeleteResult = z.object({
  name: str,
  destination: str,
  dryRun: z.boolean(),
  steps: z.array(z.object({ ok: z.boolean(), text: str })),
  objects: z.array(objectChange),
  reasons: strings,
});

export const storedPolicy = z.object({ name: str, policy: trafficPolicy, appliedAt: str, appliedBy: str, version: num });

export const pause = z.object({
  service: str,
  namespace: str,
  until: str,
  by: str,
  reason: z.optional(str),
  createdAt: str,
  version: num,
});

const serviceStatus = z.object({
  name: str,
  namespace: str,
  mtls,
  /** PERMISSIVE, flagged with what to change. */
  flagged: z.optional(str),
  paused: z.nullable(z.object({ until: str, by: str, reason: z.optional(str) })),
  breaker: z.nullable(z.object({ until: str, reasons: strings })),
});
const rootCertificate = z.object({
  subject: str,
  issuer: str,
  fingerprint: str,
  notBefore: str,
  notAfter: str,
  daysLeft: num,
  expired: z.boolean(),
  alert: z.boolean(),
  cluster: str,
  sources: strings,
});
const rootCa = z.object({
  certificates: z.array(rootCertificate),
  unreadable: z.array(z.object({ cluster: str, source: str, problem: str })),
  /** One line in words per certificate, or why none was read. */
  lines: strings,
});
/** GET /mesh/status: each service's mTLS mode (PERMISSIVE flagged), pause and breaker, who issues the certificates, and the root CA's expiry. */
const meshStatusAnswer = z.object({ services: z.array(serviceStatus), permissive: strings, certificates: str, rootCa });

/** A dry run's answer: `dryRun` is always true, beside what would happen. */
const previewOf = <T extends z.core.$ZodLooseShape>(shape: T) => z.object({ dryRun: z.boolean(), ...shape });

/** What each mesh operation answers (merged into the one table in responses.ts). */
export const meshResponses = {
  applyManifest: { ok: applyResult, dryRun: applyResult },
  listRegistry: { ok: z.object({ services: z.array(registryEntry) }) },
  getRegistryEntry: { ok: registryEntryWithEndpoints },
  applyPolicy: { ok: applyResult, dryRun: applyResult },
  listPolicies: { ok: z.object({ policies: z.array(storedPolicy) }) },
  deletePolicy: { ok: policyDeleteResult, dryRun: policyDeleteResult },
  pauseService: {
    // warnings: the apply or the schedule failed after the pause was recorded; the mesh tick finishes it.
    // reasons: what the pause stops and what it does not (ingress gateways, callers outside the mesh, ambient without a waypoint).
    ok: z.object({ pause, objects: z.array(objectChange), reasons: strings, warnings: z.optional(strings) }),
    dryRun: previewOf({ wouldPause: pause, objects: z.array(objectChange) }),
  },
  listPauses: { ok: z.object({ pauses: z.array(z.object({ ...pause.shape, expired: z.optional(z.literal(true)) })) }) },
  resumeService: {
    ok: z.object({ resumed: str, objects: z.array(objectChange) }),
    dryRun: previewOf({ wouldResume: pause, objects: z.array(objectChange) }),
  },
  meshStatus: { ok: meshStatusAnswer },
};
