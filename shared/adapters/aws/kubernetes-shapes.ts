import * as z from 'zod/mini';
import type { HpaState, PodRequests, ScaleState, Workload } from '#ports/cluster.ts';
import { sumRequests } from './kubernetes-quantities.ts';

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

const stringMap = z.record(z.string(), z.string());
const quantity = z.union([z.string(), z.number()]);

const deploymentSchema = z.object({
  metadata: z._default(z.object({ uid: z.optional(z.string()), labels: z.optional(stringMap) }), {}),
  spec: z.object({
    replicas: z._default(z.int().check(z.nonnegative()), 1),
    selector: z.optional(
      z.object({
        matchLabels: z.optional(stringMap),
        matchExpressions: z.optional(z.array(z.object({ key: z.string(), operator: z.string(), values: z.optional(z.array(z.string())) }))),
      }),
    ),
    template: z._default(
      z.object({
        spec: z._default(
          z.object({
            priorityClassName: z.optional(z.string()),
            containers: z._default(
              z.array(
                z.object({
                  resources: z.optional(z.object({ requests: z.optional(z.record(z.string(), quantity)) })),
                }),
              ),
              [],
            ),
          }),
          { containers: [] },
        ),
      }),
      { spec: { containers: [] } },
    ),
  }),
  // The API omits zero-valued status fields: replicas and readyReplicas are absent while there are none.
  status: z._default(
    z.object({
      replicas: z.optional(z.int().check(z.nonnegative())),
      readyReplicas: z.optional(z.int().check(z.nonnegative())),
    }),
    {},
  ),
});

/** The Deployment fields the adapter reads. */
export interface DeploymentView {
  uid: string | undefined;
  labels: Record<string, string>;
  replicas: number;
  /** Pods that exist (status.replicas) and those of them that are Ready. */
  podsReported: number;
  readyReplicas: number;
  /** spec.selector as a labelSelector query value. */
  selector: string;
  priorityClassName: string | undefined;
  podRequests: PodRequests;
}

export function toDeploymentView(body: unknown): DeploymentView {
  const d = deploymentSchema.parse(body);
  const templateSpec = d.spec.template.spec;
  return {
    uid: d.metadata.uid,
    labels: d.metadata.labels ?? {},
    replicas: d.spec.replicas,
    podsReported: d.status.replicas ?? 0,
    readyReplicas: d.status.readyReplicas ?? 0,
    selector: selectorString(d.spec.selector ?? {}),
    priorityClassName: templateSpec.priorityClassName,
    podRequests: sumRequests(templateSpec.containers.map((c) => c.resources?.requests ?? {})),
  };
}

export function toWorkload(body: unknown): Workload {
  const { replicas, readyReplicas, podRequests } = toDeploymentView(body);
  return { replicas, readyReplicas, podRequests };
}

type Selector = NonNullable<z.infer<typeof deploymentSchema>['spec']['selector']>;

/** A LabelSelector in the labelSelector query syntax: k=v, k in (a,b), k notin (a,b), k, !k. */
export function selectorString(selector: Selector): string {
  const terms = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (operator === 'In') terms.push(`${key} in (${values.join(',')})`);
    else if (operator === 'NotIn') terms.push(`${key} notin (${values.join(',')})`);
    else if (operator === 'Exists') terms.push(key);
    else if (operator === 'DoesNotExist') terms.push(`!${key}`);
    else throw new Error(`unknown label selector operator ${operator}`);
  }
  return terms.join(',');
}

/** One page of a list: its items and the token of the next page, if any. */
export function listPage<T>(item: z.ZodMiniType<T>) {
  const schema = z.object({ metadata: z._default(z.object({ continue: z.optional(z.string()) }), {}), items: z.array(item) });
  return (body: unknown): { items: T[]; next: string | undefined } => {
    const page = schema.parse(body);
    return { items: page.items, next: page.metadata.continue || undefined };
  };
}

/**
 * A list as a Table with no objects: one row of display columns per item, and no pod spec (so
 * no env values) on the wire. https://kubernetes.io/docs/reference/using-api/api-concepts/#table-fetches
 */
export const TABLE = 'application/json;as=Table;g=meta.k8s.io;v=v1';
export const tablePage = z.object({
  kind: z.literal('Table'),
  metadata: z._default(z.object({ continue: z.optional(z.string()) }), {}),
  rows: z._default(z.array(z.unknown()), []),
});

export const nodeItem = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z._default(z.object({ unschedulable: z.optional(z.boolean()) }), {}),
  status: z._default(
    z.object({
      allocatable: z.optional(z.object({ pods: z.optional(quantity) })),
      conditions: z.optional(z.array(z.object({ type: z.string(), status: z.string() }))),
    }),
    {},
  ),
});
export type NodeItem = z.infer<typeof nodeItem>;

/** Ready (condition Ready=True) and not cordoned. */
export function isSchedulable(node: NodeItem): boolean {
  return node.spec.unschedulable !== true && (node.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function toScaleState(body: unknown): ScaleState {
  const scale = scaleSchema.parse(body);
  return { replicas: scale.spec.replicas, resourceVersion: scale.metadata.resourceVersion };
}

export function toHpaState(body: unknown): HpaState {
  return fromHpa(hpaSchema.parse(body));
}

/** The first HPA whose scaleTargetRef is the named Deployment, or null. */
export function findHpaFor(listBody: unknown, deployment: string): HpaState | null {
  const match = hpaListSchema.parse(listBody).items.find((hpa) => hpa.spec.scaleTargetRef.kind === 'Deployment' && hpa.spec.scaleTargetRef.name === deployment);
  return match ? fromHpa(match) : null;
}

function fromHpa(hpa: z.infer<typeof hpaSchema>): HpaState {
  return {
    name: hpa.metadata.name,
    minReplicas: hpa.spec.minReplicas,
    maxReplicas: hpa.spec.maxReplicas,
    resourceVersion: hpa.metadata.resourceVersion,
  };
}
