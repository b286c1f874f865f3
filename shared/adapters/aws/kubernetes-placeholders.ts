/** The placeholder Deployments that hold warm capacity for a workload: their names, labels and pod template, and how one read back is recognised. */
import { createHash } from 'node:crypto';
import { PLACEHOLDER_NAMESPACE, PLACEHOLDER_PRIORITY_CLASS, PLACEHOLDER_SUFFIX, type PlaceholderSpec, type WorkloadRef } from '#ports/cluster.ts';
import { requestQuantities, sumRequests } from './kubernetes-quantities.ts';
import type { DeploymentView } from './kubernetes-shapes.ts';

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
