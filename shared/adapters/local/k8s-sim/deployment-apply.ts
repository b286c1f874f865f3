/**
 * Server-side apply of Deployments (field-manager.ts) onto the typed Deployment model: the applied
 * configuration is merged with the Deployment as rendered, and the result goes through the same
 * checks as a patch: replicas, containers (name, image, requests, ports), the pod template's labels
 * and annotations, metadata labels and annotations; spec.selector is immutable, must be given on
 * create and must match the template's labels; a field the simulator does not keep is a 422.
 * https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#label-selector-updates
 */
import { appliedConfiguration, writeOptions } from './apply-options.ts';
import { metadataOf, refuseUnmodeled } from './deployment-metadata.ts';
import { isDryRun, preview } from './dry-run.ts';
import { applyConfiguration } from './field-manager.ts';
import { canonical, type KindSchema, mergeApplied } from './field-sets.ts';
import { selectorOf } from './objects.ts';
import { renderDeployment } from './render.ts';
import {
  annotationsOf,
  field,
  invalid,
  isObject,
  isReplicaCount,
  type Json,
  REPLICAS_RULE,
  type SimRequest,
  type SimResponse,
  stringMap,
  templateSpec,
} from './request-parsing.ts';
import type { DeploymentChange, SimDeployment, SimState } from './state.ts';

/** apps/v1 list keys (x-kubernetes-list-map-keys); LabelSelector is an atomic map. */
export const DEPLOYMENT_SCHEMA: KindSchema = {
  lists: {
    'metadata.ownerReferences': ['uid'],
    'spec.template.spec.containers': ['name'],
    'spec.template.spec.initContainers': ['name'],
    'spec.template.spec.containers.ports': ['containerPort', 'protocol'],
    'spec.template.spec.containers.env': ['name'],
    'spec.template.spec.containers.volumeMounts': ['mountPath'],
    'spec.template.spec.volumes': ['name'],
  },
  atomic: ['spec.selector'],
};

/** A container port's protocol is part of its key: TCP when the configuration leaves it out, as defaulting does. */
function defaultPortProtocols(applied: Json): void {
  const containers = field(applied, 'spec', 'template', 'spec', 'containers');
  if (!Array.isArray(containers)) return;
  for (const container of containers) {
    const ports = field(container, 'ports');
    if (Array.isArray(ports)) for (const port of ports) if (isObject(port)) port.protocol ??= 'TCP';
  }
}

/** The pod template's labels, which must carry every label of the selector. */
export function templateLabelsOf(object: Json, selector: Record<string, string> | undefined, name: string): Record<string, string> {
  const labels = stringMap(field(object, 'spec', 'template', 'metadata', 'labels') ?? {});
  if (!labels) throw invalid('Deployment', name, 'spec.template.metadata.labels: Invalid value: must map strings to strings');
  if (selector && !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
    throw invalid(
      'Deployment',
      name,
      `spec.template.metadata.labels: Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``,
    );
  }
  return { ...labels };
}

export function applyDeployment(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const { manager, force } = writeOptions(req);
  const deployment = state.deployment(ns, name);
  const live = deployment ? renderDeployment(state, deployment) : undefined;
  const expect = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name };
  const applied = appliedConfiguration(req.body, expect, deployment?.resourceVersion);
  defaultPortProtocols(applied);
  const ctx = { manager, apiVersion: 'apps/v1', now: state.timestamp(), schema: DEPLOYMENT_SCHEMA };
  const { object, changed } = applyConfiguration(live, applied, ctx, force);
  const managedFields = (object.metadata as Json).managedFields as unknown[];
  if (!deployment) return createFromApply(state, req, ns, name, object, managedFields);
  if (!changed) return { status: 200, body: live! };
  // A replica count no manager keeps any more goes back to its default, 1.
  const replicas = field(object, 'spec', 'replicas') ?? 1;
  if (!isReplicaCount(replicas)) throw invalid('Deployment', name, REPLICAS_RULE);
  const { containers = deployment.containers, priorityClassName } = templateSpec(object, name);
  const change: DeploymentChange = {
    replicas,
    containers,
    priorityClassName,
    templateAnnotations: annotationsOf(object, name),
    labels: templateLabelsOf(object, selectorOf(deployment), name),
    ...metadataOf(object, name),
    managedFields,
  };
  refuseUnmodeled({ ...object, spec: { ...(object.spec as Json), replicas } }, renderDeployment(state, { ...deployment, ...change }), name);
  // Fields the model does not keep (probes, env) differ from the rendered Deployment on every apply: what counts is the model and the owners.
  const untimed = (entries: unknown[] | undefined) => canonical((entries ?? []).map((e) => ({ ...(e as Json), time: undefined })));
  const sameModel = canonical(renderDeployment(state, { ...deployment, ...change, managedFields: deployment.managedFields })) === canonical(live);
  if (sameModel && untimed(managedFields) === untimed(deployment.managedFields)) return { status: 200, body: live! };
  if (isDryRun(req)) return { status: 200, body: renderDeployment(state, { ...deployment, ...change, priority: state.priorityValue(priorityClassName) }) };
  state.updateDeployment(deployment, change);
  return { status: 200, body: renderDeployment(state, deployment) };
}

function createFromApply(state: SimState, req: SimRequest, ns: string, name: string, object: Json, managedFields: unknown[]): SimResponse {
  const selector = field(object, 'spec', 'selector');
  if (selector === undefined) throw invalid('Deployment', name, 'spec.selector: Required value');
  if (field(selector, 'matchExpressions') !== undefined) {
    throw invalid('Deployment', name, 'spec.selector.matchExpressions: Unsupported value: the hms-sys Kubernetes simulator matches by matchLabels only');
  }
  const matchLabels = stringMap(field(selector, 'matchLabels'));
  if (!matchLabels || Object.keys(matchLabels).length === 0)
    throw invalid('Deployment', name, 'spec.selector: Invalid value: empty selector is invalid for deployment');
  const labels = templateLabelsOf(object, matchLabels, name);
  const replicas = field(object, 'spec', 'replicas') ?? 1;
  if (!isReplicaCount(replicas)) throw invalid('Deployment', name, REPLICAS_RULE);
  const template = templateSpec(object, name);
  if (!template.containers) throw invalid('Deployment', name, 'spec.template.spec.containers: Required value');
  const metadata = metadataOf(object, name);
  const spec = {
    namespace: ns,
    name,
    replicas,
    labels,
    selector: matchLabels,
    templateAnnotations: annotationsOf(object, name),
    ...template,
    containers: template.containers,
    metadataLabels: metadata.metadataLabels,
    annotations: metadata.annotations,
    managedFields,
  };
  const priority = state.priorityValue(template.priorityClassName);
  const revisions = { generation: 1, templateRevision: 1, observedGeneration: 1, observedRevision: 1, rollingOut: true, completedRollouts: 0 };
  const previewed: SimDeployment = preview({ ...spec, priority, ...revisions });
  const kept = renderDeployment(state, previewed);
  // The configuration over what the server fills in: any field it sets that is not kept is refused.
  refuseUnmodeled(mergeApplied(kept, object, DEPLOYMENT_SCHEMA) as Json, kept, name);
  if (isDryRun(req)) return { status: 201, body: renderDeployment(state, previewed) };
  return { status: 201, body: renderDeployment(state, state.addDeployment(spec, { podsReady: false })) };
}
