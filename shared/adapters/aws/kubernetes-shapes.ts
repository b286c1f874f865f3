import * as z from 'zod/mini';
import type { HpaState, PodCounts, ScaleState } from '#ports/cluster.ts';

/** The fields the adapter reads from Kubernetes objects; everything else passes through unread. */
const metadata = z.object({ name: z.string(), resourceVersion: z.string() });

const scaleSchema = z.object({
  metadata,
  spec: z.object({ replicas: z._default(z.int().check(z.nonnegative()), 0) }),
});

const hpaSchema = z.object({
  metadata,
  spec: z.object({
    scaleTargetRef: z.object({ kind: z.string(), name: z.string() }),
    // The API server defaults minReplicas to 1 when it is omitted.
    minReplicas: z._default(z.int().check(z.positive()), 1),
    maxReplicas: z.int().check(z.positive()),
  }),
});

const hpaListSchema = z.object({ items: z.array(hpaSchema) });

const deploymentSchema = z.object({
  spec: z.object({ replicas: z._default(z.int().check(z.nonnegative()), 1) }),
  // readyReplicas is omitted while no pod is ready.
  status: z._default(z.object({ readyReplicas: z.optional(z.int().check(z.nonnegative())) }), {}),
});

export function toScaleState(body: unknown): ScaleState {
  const scale = scaleSchema.parse(body);
  return { replicas: scale.spec.replicas, resourceVersion: scale.metadata.resourceVersion };
}

export function toHpaState(body: unknown): HpaState {
  return fromHpa(hpaSchema.parse(body));
}

/** The first HPA whose scaleTargetRef is the named Deployment, or null. */
export function findHpaFor(listBody: unknown, deployment: string): HpaState | null {
  const match = hpaListSchema
    .parse(listBody)
    .items.find((hpa) => hpa.spec.scaleTargetRef.kind === 'Deployment' && hpa.spec.scaleTargetRef.name === deployment);
  return match ? fromHpa(match) : null;
}

export function toPodCounts(body: unknown): PodCounts {
  const deployment = deploymentSchema.parse(body);
  return { desired: deployment.spec.replicas, ready: deployment.status.readyReplicas ?? 0 };
}

function fromHpa(hpa: z.infer<typeof hpaSchema>): HpaState {
  return {
    name: hpa.metadata.name,
    minReplicas: hpa.spec.minReplicas,
    maxReplicas: hpa.spec.maxReplicas,
    resourceVersion: hpa.metadata.resourceVersion,
  };
}
