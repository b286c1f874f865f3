import * as z from 'zod/mini';
import { MESH_API_VERSION } from './canonical.ts';
import {
  canonicalRoutes,
  consecutiveFailures,
  errorPercent,
  image,
  labels,
  maxConnections,
  meshName,
  namespaceName,
  namespaces,
  port,
  resetDuration,
  retries,
  routes,
  scaling,
  timeoutDuration,
  version,
} from './manifest-fields.ts';

/**
 * The schema of each accepted file format, with the keys exactly as the seeds write them. Every object
 * is strict: an unknown key is refused, naming its path. Keys the seeds do not have (`namespace`,
 * `mesh.timeoutMs`, …) are extensions chosen so they cannot collide with a seed's own.
 */

/** Chapter 12's receipt.hms.yml. */
export const chapter12Service = z.strictObject({
  name: meshName,
  namespace: z.optional(namespaceName),
  version: z.optional(version),
  image: z.optional(image),
  port,
  routes: z.optional(routes),
  scaling: z.optional(scaling),
});

/** Chapter 10's manifests/notification.yaml. */
export const chapter10Mesh = z.strictObject({
  service: z.strictObject({
    name: meshName,
    namespace: z.optional(namespaceName),
    version: z.optional(version),
    image: z.optional(image),
    port,
    routes: z.optional(routes),
    scaling: z.optional(scaling),
  }),
  mesh: z.optional(
    z.strictObject({
      retries: z.optional(retries),
      timeoutMs: z.optional(timeoutDuration),
      circuit_breaker: z.optional(
        z.strictObject({
          max_failures: z.optional(consecutiveFailures),
          reset_seconds: z.optional(resetDuration),
          maxConnections: z.optional(maxConnections),
        }),
      ),
      policy: z.optional(
        z.strictObject({
          mTLS: z.optional(z.enum(['required', 'permissive'])),
          allowFrom: z.optional(namespaces),
        }),
      ),
    }),
  ),
});

const policyMetadata = z.strictObject({ name: meshName, namespace: z.optional(namespaceName) });

/** Chapter 7's policies/irs-fraud.yml. */
export const chapter7Policy = z.strictObject({
  apiVersion: z.literal('hms/v1'),
  kind: z.literal('TrafficPolicy'),
  metadata: policyMetadata,
  spec: z.strictObject({
    source: meshName,
    destination: meshName,
    retries: z.optional(retries),
    timeoutMs: z.optional(timeoutDuration),
    circuitBreaker: z.optional(
      z.strictObject({
        maxConnections: z.optional(maxConnections),
        errorPercent: z.optional(errorPercent),
        consecutiveFailures: z.optional(consecutiveFailures),
        resetSeconds: z.optional(resetDuration),
      }),
    ),
  }),
});

const container = z.strictObject({
  name: z.optional(meshName),
  image,
  ports: z.optional(
    z
      .array(
        z.strictObject({
          containerPort: port,
          name: z.optional(z.string().check(z.maxLength(15))),
          protocol: z.optional(z.literal('TCP')),
        }),
      )
      .check(z.maxLength(1, 'may list one port: the mesh routes HTTP to one container port')),
  ),
});
const podSpec = z.strictObject({
  containers: z
    .array(container)
    .check(z.minLength(1, 'must list the container'), z.maxLength(1, 'may list one container: hms-sys renders one container per pod')),
});

/** Chapter 7's return-intake.yaml: a bare Pod labelled `hms/mesh: enabled`. */
export const chapter7Pod = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Pod'),
  metadata: z.strictObject({ name: meshName, namespace: z.optional(namespaceName), labels }),
  spec: podSpec,
});

/** A Deployment whose pod template is labelled `hms/mesh: enabled`. */
export const kubernetesDeployment = z.strictObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata: z.strictObject({ name: meshName, namespace: z.optional(namespaceName), labels: z.optional(labels) }),
  spec: z.strictObject({
    replicas: z.optional(z.int().check(z.minimum(1, 'must be at least 1'), z.maximum(10_000, 'must be at most 10000'))),
    selector: z.optional(z.strictObject({ matchLabels: labels })),
    template: z.strictObject({ metadata: z.strictObject({ labels }), spec: podSpec }),
  }),
});

const canonicalCircuitBreaker = z.strictObject({
  consecutiveFailures: z.optional(consecutiveFailures),
  resetSeconds: z.optional(z.int().check(z.minimum(1, 'must be at least 1'), z.maximum(3_600, 'must be at most 3600'))),
  maxConnections: z.optional(maxConnections),
  errorPercent: z.optional(errorPercent),
});
const canonicalTimeout = z.int().check(z.minimum(1, 'must be at least 1'), z.maximum(3_600_000, 'must be at most 3600000'));
const canonicalMetadata = z.strictObject({ name: meshName, namespace: z.optional(namespaceName) });

/** The canonical MeshService (hms-sys.io/v1), which every service format normalises into. */
export const canonicalService = z.strictObject({
  apiVersion: z.literal(MESH_API_VERSION),
  kind: z.literal('MeshService'),
  metadata: canonicalMetadata,
  spec: z.strictObject({
    version: z.optional(version),
    image: z.optional(image),
    port,
    routes: z.optional(canonicalRoutes),
    scaling: z.optional(scaling),
    retries: z.optional(retries),
    timeoutMs: z.optional(canonicalTimeout),
    circuitBreaker: z.optional(canonicalCircuitBreaker),
    mtls: z.optional(z.enum(['STRICT', 'PERMISSIVE'])),
    allowFrom: z.optional(namespaces),
    podLabels: z.optional(labels),
  }),
});

/** The canonical TrafficPolicy (hms-sys.io/v1). */
export const canonicalPolicy = z.strictObject({
  apiVersion: z.literal(MESH_API_VERSION),
  kind: z.literal('TrafficPolicy'),
  metadata: canonicalMetadata,
  spec: z.strictObject({
    source: meshName,
    destination: meshName,
    retries: z.optional(retries),
    timeoutMs: z.optional(canonicalTimeout),
    circuitBreaker: z.optional(canonicalCircuitBreaker),
  }),
});
