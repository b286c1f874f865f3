import { type CapacityCluster, type NodeCapacity, PLACEHOLDER_NAMESPACE, type PlaceholderSpec, type WorkloadRef } from '#ports/cluster.ts';
import { ClusterConflictError, ClusterNotFoundError, PortError } from '#ports/errors.ts';
import { type KubeCall, kubeCall } from './kubernetes-calls.ts';
import { deploymentCollection, KubernetesCluster, MERGE_PATCH, parsed, type Target } from './kubernetes-cluster.ts';
import { isPlaceholderFor, placeholderDeployment, placeholderMatches, placeholderName, placeholderTemplateSpec } from './kubernetes-placeholders.ts';
import { parseQuantity } from './kubernetes-quantities.ts';
import type { KubeRequest } from './kubernetes-request.ts';
import { type DeploymentView, isSchedulable, nodeItem, toDeploymentView } from './kubernetes-shapes.ts';

/** Pods bound to a node that still hold their slot. */
const BOUND_PODS = 'spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed';

const placeholders = (verb: KubeCall['verb']) => kubeCall(verb, 'apps', 'deployments', 'placeholder-namespace');

/** The calls each method adds to the Cluster port's (CLUSTER_CALLS), checked against its requests by a test. */
export const CAPACITY_CALLS = Object.freeze({
  ensurePlaceholders: [placeholders('get'), placeholders('create'), placeholders('patch')],
  removePlaceholders: [placeholders('get'), placeholders('delete')],
  nodeCapacity: [kubeCall('list', '', 'nodes', 'cluster'), kubeCall('list', '', 'pods', 'cluster')],
} satisfies Record<Exclude<keyof CapacityCluster, keyof KubernetesCluster>, readonly KubeCall[]>);

/**
 * The Cluster port plus what bursts need: placeholder Deployments and node capacity. Only the
 * functions that plan and run bursts load it, so the scaler's bundle stays small.
 */
export class KubernetesCapacity extends KubernetesCluster implements CapacityCluster {
  /**
   * Creates `<namespace>-<deployment>-<hash8>-hms-warm` (placeholderName) in PLACEHOLDER_NAMESPACE, or merge-patches its
   * replicas and template when they differ. A Deployment of that name that hms-sys did not make
   * for this workload is left alone.
   */
  async ensurePlaceholders(ref: WorkloadRef, spec: PlaceholderSpec): Promise<void> {
    if (!Number.isInteger(spec.replicas) || spec.replicas < 0) throw new RangeError(`placeholder replicas must be a count, got ${spec.replicas}`);
    let existing = await this.readPlaceholder(ref);
    if (!existing) {
      const create: KubeRequest = {
        method: 'POST',
        path: deploymentCollection({ namespace: PLACEHOLDER_NAMESPACE }),
        body: placeholderDeployment(ref, spec),
      };
      try {
        await this.call(placeholderTarget(ref), create, { verb: 'create', resource: 'deployments' });
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
    await this.call(placeholderTarget(ref), patch, { verb: 'patch', resource: 'deployments' });
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
      await this.call(placeholderTarget(ref), request, { verb: 'delete', resource: 'deployments' });
    } catch (err) {
      if (!(err instanceof ClusterNotFoundError)) throw err;
    }
  }

  /**
   * Ready, uncordoned nodes, their smallest allocatable pod count, and the pods bound to them.
   * Nodes do not report how many pods they hold, so the count takes one cluster-wide pod list,
   * field-selected on the server to live pods bound to a node that is not excluded, and fetched
   * as a Table without objects: rows are counted, and no pod's spec is read. Both lists need the
   * hms-sys ClusterRole.
   */
  async nodeCapacity(cluster: string): Promise<NodeCapacity> {
    const target = { cluster };
    const all = await this.listAll(target, '/api/v1/nodes', new URLSearchParams(), nodeItem, {
      verb: 'list',
      resource: 'nodes',
      clusterWide: true,
    });
    const nodes = all.filter(isSchedulable);
    if (nodes.length === 0) return { nodes: 0, podsPerNode: 0, podsScheduled: 0 };
    const podsPerNode = parsed(() => Math.min(...nodes.map((n) => parseQuantity(n.status.allocatable?.pods ?? 0))), 'Node');
    const excluded = all.filter((n) => !isSchedulable(n)).map((n) => `,spec.nodeName!=${n.metadata.name}`);
    const podsScheduled = await this.countRows(target, '/api/v1/pods', new URLSearchParams({ fieldSelector: BOUND_PODS + excluded.join('') }), {
      verb: 'list',
      resource: 'pods',
      clusterWide: true,
    });
    return { nodes: nodes.length, podsPerNode, podsScheduled };
  }

  /** The placeholder Deployment, or null when it does not exist. */
  private async readPlaceholder(ref: WorkloadRef): Promise<DeploymentView | null> {
    try {
      const body = await this.call(placeholderTarget(ref), { method: 'GET', path: placeholderPath(ref) }, { verb: 'get', resource: 'deployments' });
      return parsed(() => toDeploymentView(body), 'Deployment');
    } catch (err) {
      if (err instanceof ClusterNotFoundError) return null;
      throw err;
    }
  }

  private checkPlaceholder(view: DeploymentView, ref: WorkloadRef): void {
    if (isPlaceholderFor(view, ref)) return;
    throw new PortError(
      `Deployment ${PLACEHOLDER_NAMESPACE}/${placeholderName(ref)} on cluster ${ref.cluster} exists but is not the hms-sys placeholder for ` +
        `${ref.namespace}/${ref.deployment}; hms-sys will not change it`,
    );
  }
}

function placeholderPath(ref: WorkloadRef): string {
  return `${deploymentCollection({ namespace: PLACEHOLDER_NAMESPACE })}/${encodeURIComponent(placeholderName(ref))}`;
}

const placeholderTarget = (ref: WorkloadRef): Target => ({ cluster: ref.cluster, namespace: PLACEHOLDER_NAMESPACE });
