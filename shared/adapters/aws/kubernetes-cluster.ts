import { defaultBackoff, type BackoffPolicy } from '#domain/retry.ts';
import type { Cluster, HpaState, NodeCapacity, PlaceholderSpec, PodCounts, ScaleState, Workload, WorkloadRef } from '#ports/cluster.ts';
import { ClusterConflictError, ClusterNotFoundError, ClusterUnavailableError, PortError } from '#ports/errors.ts';
import { withRetry } from '#adapters/retry.ts';
import type { ClusterEndpoint } from './eks-endpoint.ts';
import { KubeTransportError, sendKubeRequest, type KubeRequest, type KubeResponse } from './kubernetes-request.ts';
import {
  findHpaFor,
  isPlaceholderFor,
  isSchedulable,
  listPage,
  nodeItem,
  parseQuantity,
  placeholderDeployment,
  placeholderMatches,
  placeholderName,
  placeholderTemplateSpec,
  podItem,
  toDeploymentView,
  toHpaState,
  toScaleState,
  toWorkload,
  type DeploymentView,
  type PodItem,
} from './kubernetes-shapes.ts';

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
interface Access {
  verb: 'get' | 'list' | 'patch' | 'create' | 'delete';
  resource: string;
  /** Granted by the hms-sys ClusterRole rather than the namespaced Roles. */
  clusterWide?: true;
}

/** Where a call goes: a cluster, and the namespace for namespaced resources. */
interface Target {
  cluster: string;
  namespace?: string;
}

/** Page size of list calls. */
const PAGE_LIMIT = 500;
/** Pods bound to a node that still hold their slot. */
const BOUND_PODS = 'spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed';
/** Pods the scheduler has not placed. */
const UNSCHEDULED_PODS = 'status.phase=Pending,spec.nodeName=';

const MERGE_PATCH = 'application/merge-patch+json';

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

/** The Cluster port over the Kubernetes REST API: the scale subresource, HPAs, Deployments, pods and nodes. */
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

  async setScale(ref: WorkloadRef, replicas: number, resourceVersion: string): Promise<ScaleState> {
    const request: KubeRequest = {
      method: 'PATCH',
      path: scalePath(ref),
      contentType: MERGE_PATCH,
      body: { metadata: { resourceVersion }, spec: { replicas } },
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

  /**
   * Desired and ready from the Deployment's spec and status; pending from a list of its pods
   * (the Deployment's selector) that are Pending with no node, made only while some pod is not Ready.
   */
  async podCounts(ref: WorkloadRef): Promise<PodCounts> {
    const body = await this.call(ref, { method: 'GET', path: deploymentPath(ref) }, { verb: 'get', resource: 'deployments' });
    const view = parsed(() => toDeploymentView(body), 'Deployment');
    const counts = { desired: view.replicas, ready: view.readyReplicas };
    if (view.podsReported <= view.readyReplicas) return { ...counts, pending: 0 };
    const query = new URLSearchParams({ labelSelector: view.selector, fieldSelector: UNSCHEDULED_PODS });
    const pods = await this.listAll(ref, `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods`, query, podItem, {
      verb: 'list',
      resource: 'pods',
    });
    return { ...counts, pending: pods.filter(isUnscheduled).length };
  }

  /**
   * Creates `<deployment>-hms-warm`, or merge-patches its replicas and template when they differ.
   * A Deployment of that name that hms-sys did not make for this workload is left alone.
   */
  async ensurePlaceholders(ref: WorkloadRef, spec: PlaceholderSpec): Promise<void> {
    if (!Number.isInteger(spec.replicas) || spec.replicas < 0) throw new RangeError(`placeholder replicas must be a count, got ${spec.replicas}`);
    let existing = await this.readPlaceholder(ref);
    if (!existing) {
      const create: KubeRequest = { method: 'POST', path: deploymentCollection(ref), body: placeholderDeployment(ref, spec) };
      try {
        await this.call(ref, create, { verb: 'create', resource: 'deployments' });
        return;
      } catch (err) {
        // AlreadyExists: another writer created it between the read and the create.
        if (!(err instanceof ClusterConflictError)) throw err;
        existing = await this.readPlaceholder(ref);
        if (!existing) throw err;
      }
    }
    this.checkPlaceholder(existing, ref);
    if (placeholderMatches(existing, spec)) return;
    const patch: KubeRequest = {
      method: 'PATCH',
      path: placeholderPath(ref),
      contentType: MERGE_PATCH,
      // No resourceVersion: the Deployment's status moves all the time, and this write sets absolute values.
      body: { spec: { replicas: spec.replicas, template: { spec: placeholderTemplateSpec(spec) } } },
    };
    await this.call(ref, patch, { verb: 'patch', resource: 'deployments' });
  }

  /** Deletes the placeholder Deployment (its pods go with it); absent is fine, someone else's Deployment is refused. */
  async removePlaceholders(ref: WorkloadRef): Promise<void> {
    const existing = await this.readPlaceholder(ref);
    if (!existing) return;
    this.checkPlaceholder(existing, ref);
    const request: KubeRequest = {
      method: 'DELETE',
      path: placeholderPath(ref),
      body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid: existing.uid } },
    };
    try {
      await this.call(ref, request, { verb: 'delete', resource: 'deployments' });
    } catch (err) {
      if (!(err instanceof ClusterNotFoundError)) throw err;
    }
  }

  /**
   * Ready, uncordoned nodes, their smallest allocatable pod count, and the pods bound to them.
   * The pod count needs one cluster-wide pod list (field-selected to bound, live pods, paged):
   * Nodes do not report how many pods they hold. Both lists need the hms-sys ClusterRole.
   */
  async nodeCapacity(cluster: string): Promise<NodeCapacity> {
    const target = { cluster };
    const nodes = (await this.listAll(target, '/api/v1/nodes', new URLSearchParams(), nodeItem, {
      verb: 'list',
      resource: 'nodes',
      clusterWide: true,
    })).filter(isSchedulable);
    if (nodes.length === 0) return { nodes: 0, podsPerNode: 0, podsScheduled: 0 };
    const podsPerNode = parsed(() => Math.min(...nodes.map((n) => parseQuantity(n.status.allocatable?.pods ?? 0))), 'Node');
    const names = new Set(nodes.map((n) => n.metadata.name));
    const pods = await this.listAll(target, '/api/v1/pods', new URLSearchParams({ fieldSelector: BOUND_PODS }), podItem, {
      verb: 'list',
      resource: 'pods',
      clusterWide: true,
    });
    const podsScheduled = pods.filter((p) => p.spec.nodeName !== undefined && names.has(p.spec.nodeName) && !isFinished(p)).length;
    return { nodes: nodes.length, podsPerNode, podsScheduled };
  }

  /** The placeholder Deployment, or null when it does not exist. */
  private async readPlaceholder(ref: WorkloadRef): Promise<DeploymentView | null> {
    try {
      const body = await this.call(ref, { method: 'GET', path: placeholderPath(ref) }, { verb: 'get', resource: 'deployments' });
      return parsed(() => toDeploymentView(body), 'Deployment');
    } catch (err) {
      if (err instanceof ClusterNotFoundError) return null;
      throw err;
    }
  }

  private checkPlaceholder(view: DeploymentView, ref: WorkloadRef): void {
    if (isPlaceholderFor(view, ref)) return;
    throw new PortError(
      `Deployment ${ref.namespace}/${placeholderName(ref)} on cluster ${ref.cluster} exists but is not the hms-sys placeholder for ` +
        `${ref.deployment}; hms-sys will not change it`,
    );
  }

  /** Every item of a list, page by page. */
  private async listAll<T>(target: Target, path: string, query: URLSearchParams, item: Parameters<typeof listPage<T>>[0], access: Access): Promise<T[]> {
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
  private async call(ref: Target, request: KubeRequest, access: Access): Promise<unknown> {
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
          requestedDelayMs: (err) =>
            err instanceof TransientStatusError && err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : undefined,
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

const isUnscheduled = (pod: PodItem) => pod.status.phase === 'Pending' && !pod.spec.nodeName;
const isFinished = (pod: PodItem) => pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed';

/** The message of a Kubernetes Status object, or the raw text. */
function statusMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') return body.message;
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

function parsed<T>(read: () => T, kind: string): T {
  try {
    return read();
  } catch (err) {
    throw new PortError(`the Kubernetes API returned a ${kind} this adapter cannot read`, { cause: err });
  }
}

function deploymentPath(ref: WorkloadRef): string {
  return `${deploymentCollection(ref)}/${encodeURIComponent(ref.deployment)}`;
}

function deploymentCollection(ref: WorkloadRef): string {
  return `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/deployments`;
}

function placeholderPath(ref: WorkloadRef): string {
  return `${deploymentCollection(ref)}/${encodeURIComponent(placeholderName(ref))}`;
}

function scalePath(ref: WorkloadRef): string {
  return `${deploymentPath(ref)}/scale`;
}

function hpaCollection(ref: WorkloadRef): string {
  return `/apis/autoscaling/v2/namespaces/${encodeURIComponent(ref.namespace)}/horizontalpodautoscalers`;
}
