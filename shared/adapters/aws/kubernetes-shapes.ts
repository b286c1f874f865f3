import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import {
  type HpaState,
  PLACEHOLDER_NAMESPACE,
  PLACEHOLDER_PRIORITY_CLASS,
  PLACEHOLDER_SUFFIX,
  type PlaceholderSpec,
  type PodRequests,
  type ScaleState,
  type Workload,
  type WorkloadRef,
} from '#ports/cluster.ts';

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

/** A pod's requests: the sum of its containers' cpu (cores) and memory (GiB) requests. */
export function sumRequests(requests: readonly Record<string, string | number>[]): PodRequests {
  let vcpu = 0;
  let bytes = 0;
  for (const r of requests) {
    if (r.cpu !== undefined) vcpu += parseQuantity(r.cpu);
    if (r.memory !== undefined) bytes += parseQuantity(r.memory);
  }
  return { vcpu: round(vcpu), memoryGiB: round(bytes / 2 ** 30) };
}

const round = (n: number) => Math.round(n * 1e9) / 1e9;

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const FRACTION: Record<string, number> = { n: 1e9, u: 1e6, m: 1e3 };

/**
 * A Kubernetes resource quantity as a number: '250m' → 0.25, '1.5' → 1.5, '512Mi' → 536870912,
 * '1G' → 1e9, '1e3' → 1000. Throws on anything else.
 */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a quantity: ${value}`);
    return value;
  }
  const match = QUANTITY.exec(value.trim());
  if (!match) throw new RangeError(`not a Kubernetes quantity: ${JSON.stringify(value)}`);
  const [, mantissa = '', exponent, suffix] = match;
  if (exponent !== undefined) return Number(mantissa + exponent);
  const n = Number(mantissa);
  if (suffix === undefined) return n;
  if (suffix in FRACTION) return n / FRACTION[suffix]!;
  return n * (BINARY[suffix] ?? DECIMAL[suffix]!);
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

export const PLACEHOLDER_IMAGE = 'registry.k8s.io/pause:3.10';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const PLACEHOLDER_FOR_LABEL = 'hms.sys/placeholder-for';
export const PLACEHOLDER_FROM_LABEL = 'hms.sys/placeholder-namespace';

/**
 * `<namespace>-<deployment>-<hash>-hms-warm`, a DNS label (at most 63 characters, so pod names
 * and hostnames stay whole): the readable part is cut to fit, and 8 hex digits of the SHA-256 of
 * `<namespace>/<deployment>` keep names of different workloads apart in PLACEHOLDER_NAMESPACE.
 */
export function placeholderName(ref: Pick<WorkloadRef, 'namespace' | 'deployment'>): string {
  const hash = createHash('sha256').update(`${ref.namespace}/${ref.deployment}`).digest('hex').slice(0, 8);
  const readable = `${ref.namespace}-${ref.deployment}`
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63 - PLACEHOLDER_SUFFIX.length - hash.length - 1)
    .replace(/-+$/, '');
  return `${readable}-${hash}${PLACEHOLDER_SUFFIX}`;
}

/** The placeholder Deployment's labels, which name the workload it stands for. */
const placeholderLabels = (ref: Pick<WorkloadRef, 'namespace' | 'deployment'>) => ({
  [MANAGED_BY_LABEL]: 'hms-sys',
  [PLACEHOLDER_FOR_LABEL]: ref.deployment,
  [PLACEHOLDER_FROM_LABEL]: ref.namespace,
});

/** Requests as quantities, rounded up to whole millicores and MiB so a placeholder is never smaller than the pod it stands for. */
export function requestQuantities({ vcpu, memoryGiB }: PodRequests): Record<string, string> {
  const requests: Record<string, string> = {};
  const millicores = Math.ceil(vcpu * 1000 - 1e-9);
  const mebibytes = Math.ceil(memoryGiB * 1024 - 1e-9);
  if (millicores > 0) requests.cpu = `${millicores}m`;
  if (mebibytes > 0) requests.memory = `${mebibytes}Mi`;
  return requests;
}

/** The pod template of placeholder pods: one pause container with the workload's requests, preemptible, gone at once. */
export function placeholderTemplateSpec(spec: PlaceholderSpec) {
  return {
    priorityClassName: PLACEHOLDER_PRIORITY_CLASS,
    terminationGracePeriodSeconds: 0,
    automountServiceAccountToken: false,
    containers: [
      {
        name: 'pause',
        image: PLACEHOLDER_IMAGE,
        resources: { requests: requestQuantities(spec.podRequests) },
        // pause runs as 65535; this passes the restricted Pod Security Standard.
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 65535,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
    ],
  };
}

/** The placeholder Deployment for a workload, in PLACEHOLDER_NAMESPACE. */
export function placeholderDeployment(ref: WorkloadRef, spec: PlaceholderSpec) {
  const labels = placeholderLabels(ref);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: placeholderName(ref), namespace: PLACEHOLDER_NAMESPACE, labels },
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: { [PLACEHOLDER_FOR_LABEL]: ref.deployment, [PLACEHOLDER_FROM_LABEL]: ref.namespace } },
      template: { metadata: { labels }, spec: placeholderTemplateSpec(spec) },
    },
  };
}

/** Whether a Deployment read back is the placeholder hms-sys made for ref.deployment. */
export function isPlaceholderFor(view: DeploymentView, ref: WorkloadRef): boolean {
  return Object.entries(placeholderLabels(ref)).every(([key, value]) => view.labels[key] === value);
}

/** Whether an existing placeholder already has the replicas, requests and PriorityClass asked for. */
export function placeholderMatches(view: DeploymentView, spec: PlaceholderSpec): boolean {
  const wanted = sumRequests([requestQuantities(spec.podRequests)]);
  return (
    view.replicas === spec.replicas &&
    view.priorityClassName === PLACEHOLDER_PRIORITY_CLASS &&
    view.podRequests.vcpu === wanted.vcpu &&
    view.podRequests.memoryGiB === wanted.memoryGiB
  );
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
