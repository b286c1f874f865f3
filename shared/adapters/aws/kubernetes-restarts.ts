import type { RestartCluster, RolloutStatus, TemplateAnnotation, WorkloadRef } from '#ports/cluster.ts';
import { type KubeCall, kubeCall } from './kubernetes-calls.ts';
import { deploymentCollection, deploymentPath, KubernetesCluster, MERGE_PATCH, parsed } from './kubernetes-cluster.ts';
import type { KubeRequest } from './kubernetes-request.ts';
import {
  isPlaceholder,
  isRollingOut,
  type RolloutItem,
  rolloutItem,
  templateAnnotations,
  toRolloutItem,
  toRolloutStatus,
} from './kubernetes-rollout-shapes.ts';

const deployments = (verb: KubeCall['verb']) => kubeCall(verb, 'apps', 'deployments', 'workload-namespace');

/** The calls each method adds to the Cluster port's (CLUSTER_CALLS), checked against its requests by a test. */
export const RESTART_CALLS = Object.freeze({
  restartWorkload: [deployments('get'), deployments('patch')],
  rolloutStatus: [deployments('get')],
  templateAnnotation: [deployments('get')],
  rollingOutIn: [deployments('list')],
} satisfies Record<Exclude<keyof RestartCluster, keyof KubernetesCluster>, readonly KubeCall[]>);

/**
 * The Cluster port plus rolling restarts: a pod template annotation that makes the Deployment
 * controller replace the pods, the rollout's progress, and how many rollouts run at once.
 * Only the functions that restart consumers of a secret load it.
 */
export class KubernetesRestarts extends KubernetesCluster implements RestartCluster {
  async restartWorkload(ref: WorkloadRef, annotation: TemplateAnnotation): Promise<'restarted' | 'unchanged'> {
    const current = await this.readDeployment(ref);
    if (templateAnnotations(current)[annotation.key] === annotation.value) return 'unchanged';
    const request: KubeRequest = {
      method: 'PATCH',
      path: deploymentPath(ref),
      contentType: MERGE_PATCH,
      // The resourceVersion read makes the API server refuse the patch (409) if the Deployment changed since.
      body: {
        metadata: { resourceVersion: current.metadata.resourceVersion },
        spec: { template: { metadata: { annotations: { [annotation.key]: annotation.value } } } },
      },
    };
    await this.call(ref, request, { verb: 'patch', resource: 'deployments' });
    return 'restarted';
  }

  async templateAnnotation(ref: WorkloadRef, key: string): Promise<string | null> {
    return templateAnnotations(await this.readDeployment(ref))[key] ?? null;
  }

  async rolloutStatus(ref: WorkloadRef): Promise<RolloutStatus> {
    return toRolloutStatus(await this.readDeployment(ref));
  }

  /** Lists the Deployments of each namespace (paged) and counts those rolling out. */
  async rollingOutIn(cluster: string, namespaces: readonly string[]): Promise<number> {
    let rolling = 0;
    for (const namespace of new Set(namespaces)) {
      const items: RolloutItem[] = await this.listAll({ cluster, namespace }, deploymentCollection({ namespace }), new URLSearchParams(), rolloutItem, {
        verb: 'list',
        resource: 'deployments',
      });
      rolling += items.filter((d) => !isPlaceholder(d) && isRollingOut(d)).length;
    }
    return rolling;
  }

  private async readDeployment(ref: WorkloadRef): Promise<RolloutItem> {
    const body = await this.call(ref, { method: 'GET', path: deploymentPath(ref) }, { verb: 'get', resource: 'deployments' });
    return parsed(() => toRolloutItem(body), 'Deployment');
  }
}
