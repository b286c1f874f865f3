import { withRetry } from '#adapters/retry.ts';
import { type BackoffPolicy, defaultBackoff } from '#domain/retry.ts';
import { type Cluster, type HpaState, PLACEHOLDER_NAMESPACE, type PodCounts, type ScaleState, type Workload, type WorkloadRef } from '#ports/cluster.ts';
import { ClusterConflictError, ClusterInvalidError, ClusterNotFoundError, ClusterUnavailableError, PortError } from '#ports/errors.ts';
import type { ClusterEndpoint } from './eks-endpoint.ts';
import { type KubeCall, kubeCall } from './kubernetes-calls.ts';
import { placeholderName } from './kubernetes-placeholders.ts';
import { type KubeRequest, type KubeResponse, KubeTransportError, sendKubeRequest } from './kubernetes-request.ts';
import { findHpaFor, listPage, TABLE, tablePage, toDeploymentView, toHpaState, toScaleState, toWorkload } from './kubernetes-shapes.ts';

export interface KubernetesClusterOptions {
  endpointFor(cluster: string): Promise<ClusterEndpoint>;
  tokenFor(cluster: string): Promise<string>;
  /** Deadline for one HTTP exchange; defaults to 5000 ms. */
  timeoutMs?: number;
  policy?: BackoffPolicy;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** What a call needs RBAC for, so a 403 can name the missing permission. */
export interface Access {
  verb: 'get' | 'list' | 'patch' | 'create' | 'delete';
  resource: string;
  /** Granted by the hms-sys ClusterRole rather than the namespaced Roles. */
  clusterWide?: true;
}

/** Where a call goes: a cluster, and the namespace for namespaced resources. */
export interface Target {
  cluster: string;
  namespace?: string;
}

const deployments = (verb: KubeCall['verb'], scope: KubeCall['scope'] = 'workload-namespace') => kubeCall(verb, 'apps', 'deployments', scope);

/** The calls each Cluster method makes (kubernetes-calls.ts), checked against its requests by a test. */
export const CLUSTER_CALLS = Object.freeze({
  getScale: [kubeCall('get', 'apps', 'deployments', 'workload-namespace', 'scale')],
  setScale: [kubeCall('patch', 'apps', 'deployments', 'workload-namespace', 'scale')],
  findHpa: [kubeCall('list', 'autoscaling', 'horizontalpodautoscalers', 'workload-namespace')],
  setHpaMinReplicas: [kubeCall('patch', 'autoscaling', 'horizontalpodautoscalers', 'workload-namespace')],
  getWorkload: [deployments('get')],
  podCounts: [deployments('get'), kubeCall('list', '', 'pods', 'workload-namespace')],
  placeholderReplicas: [deployments('get', 'placeholder-namespace')],
} satisfies Record<keyof Cluster, readonly KubeCall[]>);

/** Page size of list calls. */
const PAGE_LIMIT = 500;
/** Pods the scheduler has not placed. */
const UNSCHEDULED_PODS = 'status.phase=Pending,spec.nodeName=';

export const MERGE_PATCH = 'application/merge-patch+json';

/** A 429 or 5xx answer: the API server may answer the next try. */
class TransientStatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterSeconds: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'TransientStatusError';
  }
}

/** The Cluster port over the Kubernetes REST API: the scale subresource, HPAs, Deployments and their pods. */
export class KubernetesCluster implements Cluster {
  private readonly timeoutMs: number;
  private readonly policy: BackoffPolicy;

  constructor(private readonly options: KubernetesClusterOptions) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.policy = options.policy ?? defaultBackoff;
  }

  async getScale(ref: WorkloadRef): Promise<ScaleState> {
    const body = await this.call(ref, { method: 'GET', path: scalePath(ref) }, { verb: 'get', resource: 'deployments/scale' });
    return parsed(() => toScaleState(body), 'Scale');
  }

  /**
   * Sets spec.replicas with no resourceVersion precondition. A real API server moves a
   * Deployment's resourceVersion on every status write, so during a ramp or a rollout a PATCH
   * carrying the version it read conflicts again and again; a merge patch without one is applied to
   * whatever version is current, and only a patch that names a resourceVersion is checked against it
   * (https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency).
   * An absolute count is idempotent, so a retry is safe. The version check on the service's
   * scaling state in DynamoDB orders hms-sys's putScaling writes, not these PATCHes: a writer that
   * stored its change but has not PATCHed yet can be overtaken. planScale sizes from such a change
   * while it is under 30 s old, so a later writer does not plan from the old spec.replicas; what
   * remains is two PATCHes arriving out of order (or a change unseen for 30 s), which leaves the
   * older count until the next evaluation (the next alarm or reconcile pass) corrects it.
   */
  async setScale(ref: WorkloadRef, replicas: number): Promise<ScaleState> {
    const request: KubeRequest = {
      method: 'PATCH',
      path: scalePath(ref),
      contentType: MERGE_PATCH,
      body: { spec: { replicas } },
    };
    const body = await this.call(ref, request, { verb: 'patch', resource: 'deployments/scale' });
    return parsed(() => toScaleState(body), 'Scale');
  }

  async findHpa(ref: WorkloadRef): Promise<HpaState | null> {
    const body = await this.call(ref, { method: 'GET', path: hpaCollection(ref) }, { verb: 'list', resource: 'horizontalpodautoscalers' });
    return parsed(() => findHpaFor(body, ref.deployment), 'HorizontalPodAutoscalerList');
  }

  async setHpaMinReplicas(ref: WorkloadRef, hpaName: string, minReplicas: number, resourceVersion: string): Promise<HpaState> {
    const request: KubeRequest = {
      method: 'PATCH',
      path: `${hpaCollection(ref)}/${encodeURIComponent(hpaName)}`,
      contentType: MERGE_PATCH,
      body: { metadata: { resourceVersion }, spec: { minReplicas } },
    };
    const body = await this.call(ref, request, { verb: 'patch', resource: 'horizontalpodautoscalers' });
    return parsed(() => toHpaState(body), 'HorizontalPodAutoscaler');
  }

  async getWorkload(ref: WorkloadRef): Promise<Workload> {
    const body = await this.call(ref, { method: 'GET', path: deploymentPath(ref) }, { verb: 'get', resource: 'deployments' });
    return parsed(() => toWorkload(body), 'Deployment');
  }

  async placeholderReplicas(ref: WorkloadRef): Promise<number> {
    const path = `${deploymentCollection({ namespace: PLACEHOLDER_NAMESPACE })}/${encodeURIComponent(placeholderName(ref))}`;
    const target = { cluster: ref.cluster, namespace: PLACEHOLDER_NAMESPACE };
    try {
      const body = await this.call(target, { method: 'GET', path }, { verb: 'get', resource: 'deployments' });
      return parsed(() => toDeploymentView(body), 'Deployment').replicas;
    } catch (err) {
      if (err instanceof ClusterNotFoundError) return 0;
      throw err;
    }
  }

  /**
   * Desired and ready from the Deployment's spec and status; pending from a list of its pods
   * (the Deployment's selector) that are Pending with no node, made only while some pod is not Ready,
   * and counted as Table rows without objects, so no pod spec (env values included) is read.
   */
  async podCounts(ref: WorkloadRef): Promise<PodCounts> {
    const body = await this.call(ref, { method: 'GET', path: deploymentPath(ref) }, { verb: 'get', resource: 'deployments' });
    const view = parsed(() => toDeploymentView(body), 'Deployment');
    const counts = { desired: view.replicas, ready: view.readyReplicas };
    if (view.podsReported <= view.readyReplicas) return { ...counts, pending: 0 };
    const query = new URLSearchParams({ labelSelector: view.selector, fieldSelector: UNSCHEDULED_PODS });
    const pending = await this.countRows(ref, `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods`, query, { verb: 'list', resource: 'pods' });
    return { ...counts, pending };
  }

  /** Rows of a list fetched as Tables with no objects (includeObject=None), page by page; the server filters. */
  protected async countRows(target: Target, path: string, query: URLSearchParams, access: Access): Promise<number> {
    let rows = 0;
    let next: string | undefined;
    do {
      const params = new URLSearchParams(query);
      params.set('includeObject', 'None');
      params.set('limit', String(PAGE_LIMIT));
      if (next !== undefined) params.set('continue', next);
      const body = await this.call(target, { method: 'GET', path: `${path}?${params}`, accept: TABLE }, access);
      const page = parsed(() => tablePage.parse(body), 'Table');
      rows += page.rows.length;
      next = page.metadata.continue || undefined;
    } while (next !== undefined);
    return rows;
  }

  /** Every item of a list, page by page. */
  protected async listAll<T>(target: Target, path: string, query: URLSearchParams, item: Parameters<typeof listPage<T>>[0], access: Access): Promise<T[]> {
    const readPage = listPage(item);
    const items: T[] = [];
    let next: string | undefined;
    do {
      const params = new URLSearchParams(query);
      params.set('limit', String(PAGE_LIMIT));
      if (next !== undefined) params.set('continue', next);
      const body = await this.call(target, { method: 'GET', path: `${path}?${params}` }, access);
      const page = parsed(() => readPage(body), 'list');
      items.push(...page.items);
      next = page.next;
    } while (next !== undefined);
    return items;
  }

  /** Sends one request, retrying 429, 5xx, timeouts and connection failures; maps the rest to port errors. */
  protected async call(ref: Target, request: KubeRequest, access: Access): Promise<unknown> {
    const [endpoint, token] = await this.connect(ref.cluster);
    let lastStatus: number | null = null;
    try {
      return await withRetry(
        async () => {
          const response = await sendKubeRequest(endpoint, token, request, this.timeoutMs);
          lastStatus = response.status;
          return checkResponse(response, ref, request, access);
        },
        {
          policy: this.policy,
          isRetryable: (err) => err instanceof TransientStatusError || err instanceof KubeTransportError,
          requestedDelayMs: (err) => (err instanceof TransientStatusError && err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : undefined),
          sleep: this.options.sleep,
          random: this.options.random,
        },
      );
    } catch (err) {
      if (err instanceof TransientStatusError || err instanceof KubeTransportError) {
        const message = `${request.method} ${request.path} on cluster ${ref.cluster} still failing after ${this.policy.attempts} attempts: ${err.message}`;
        throw new ClusterUnavailableError(message, lastStatus, { cause: err });
      }
      throw err;
    }
  }

  private async connect(cluster: string): Promise<[ClusterEndpoint, string]> {
    try {
      return await Promise.all([this.options.endpointFor(cluster), this.options.tokenFor(cluster)]);
    } catch (err) {
      if (err instanceof PortError) throw err;
      throw new ClusterUnavailableError(`cannot reach cluster ${cluster}: no endpoint or token`, null, { cause: err });
    }
  }
}

function checkResponse(response: KubeResponse, ref: Target, request: KubeRequest, access: Access): unknown {
  const { status, body } = response;
  if (status >= 200 && status < 300) return body;
  const detail = `${request.method} ${request.path} on cluster ${ref.cluster}: ${status} ${statusMessage(body)}`;
  if (status === 409) throw new ClusterConflictError(detail);
  if (status === 404) throw new ClusterNotFoundError(detail);
  if (status === 422) throw new ClusterInvalidError(`the Kubernetes API refused ${detail}`, causeFields(body));
  if (status === 401) {
    throw new ClusterUnavailableError(
      `${detail}. The cluster did not accept the token: check that this role has an EKS access entry on ${ref.cluster}`,
      status,
    );
  }
  if (status === 403) throw new ClusterUnavailableError(`${detail}. ${missingAccess(ref, access)}`, status);
  if (status === 429 || status >= 500) throw new TransientStatusError(status, response.retryAfterSeconds, detail);
  throw new PortError(`the Kubernetes API rejected ${detail}`);
}

/** Which permission a 403 lacks, and the command that grants it. */
function missingAccess(ref: Target, access: Access): string {
  if (access.clusterWide || ref.namespace === undefined) {
    return (
      `Missing access: '${access.verb}' on ${access.resource} (cluster-wide); ` +
      `apply the hms-sys ClusterRole: npx hms-sys rbac --namespaces <your namespaces> | kubectl apply -f -`
    );
  }
  return (
    `Missing access: '${access.verb}' on ${access.resource} in namespace ${ref.namespace}; ` +
    `apply the hms-sys Roles there: npx hms-sys rbac --namespaces ${ref.namespace} | kubectl apply -f -`
  );
}

/** The fields a Status's details.causes name (metav1.StatusCause: reason, message, field). */
function causeFields(body: unknown): string[] {
  const causes = (body as { details?: { causes?: unknown } } | undefined)?.details?.causes;
  if (!Array.isArray(causes)) return [];
  return causes.flatMap((c) => (typeof c === 'object' && c !== null && typeof c.field === 'string' ? [c.field] : []));
}

/** The message of a Kubernetes Status object, or the raw text. */
function statusMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') return body.message;
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

export function parsed<T>(read: () => T, kind: string): T {
  try {
    return read();
  } catch (err) {
    throw new PortError(`the Kubernetes API returned a ${kind} this adapter cannot read`, { cause: err });
  }
}

export function deploymentPath(ref: WorkloadRef): string {
  return `${deploymentCollection(ref)}/${encodeURIComponent(ref.deployment)}`;
}

export function deploymentCollection(ref: Pick<WorkloadRef, 'namespace'>): string {
  return `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/deployments`;
}

function scalePath(ref: WorkloadRef): string {
  return `${deploymentPath(ref)}/scale`;
}

function hpaCollection(ref: WorkloadRef): string {
  return `/apis/autoscaling/v2/namespaces/${encodeURIComponent(ref.namespace)}/horizontalpodautoscalers`;
}
