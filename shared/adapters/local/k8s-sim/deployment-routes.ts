/** The Deployment routes: list, create, get, merge-patch and delete Deployments, and read and patch their scale subresource. */
import { isApplyPatch, writeOptions } from './apply-options.ts';
import { applyDeployment, DEPLOYMENT_SCHEMA, templateLabelsOf } from './deployment-apply.ts';
import { metadataOf, refuseUnmodeled } from './deployment-metadata.ts';
import { isDryRun, preview } from './dry-run.ts';
import { recordUpdate } from './field-manager.ts';
import { metadataLabelsOf, selectorOf } from './objects.ts';
import { renderDeployment, renderList, renderScale, renderStatus } from './render.ts';
import {
  alreadyExists,
  annotationsOf,
  applyPatch,
  field,
  invalid,
  isReplicaCount,
  metadataFilter,
  nameIn,
  notFound,
  objectBody,
  page,
  REPLICAS_RULE,
  type SimRequest,
  type SimResponse,
  SimStatusError,
  stringMap,
  templateSpec,
} from './request-parsing.ts';
import type { SimDeployment, SimState } from './state.ts';
import { deploymentPrinter, renderTable, tableVersion } from './tables.ts';

export function listDeployments(state: SimState, req: SimRequest, ns: string): SimResponse {
  return deploymentList(state, req, state.deploymentsIn(ns));
}

export function listAllDeployments(state: SimState, req: SimRequest): SimResponse {
  return deploymentList(state, req, state.allDeployments());
}

/** Deployments filtered by labelSelector and fieldSelector (metadata.name, metadata.namespace), as a list or a Table. */
function deploymentList(state: SimState, req: SimRequest, deployments: SimDeployment[]): SimResponse {
  const table = tableVersion(req);
  const matches = metadataFilter(req.query);
  const { items, continueToken } = page(
    deployments.filter((d) => matches({ ...d, labels: metadataLabelsOf(d) })),
    req.query,
  );
  if (table) return { status: 200, body: renderTable(state, req, table, deploymentPrinter, items, continueToken) };
  const rendered = items.map((d) => renderDeployment(state, d));
  return { status: 200, body: renderList('DeploymentList', 'apps/v1', state.resourceVersion, rendered, continueToken) };
}

export function createDeployment(state: SimState, req: SimRequest, ns: string): SimResponse {
  const body = objectBody(req);
  const name = nameIn(body, ns);
  if (state.deployment(ns, name)) throw alreadyExists('deployments.apps', name);
  const replicas = field(body, 'spec', 'replicas') ?? 1;
  if (!isReplicaCount(replicas)) throw invalid('Deployment', name, REPLICAS_RULE);
  const labels = stringMap(field(body, 'spec', 'template', 'metadata', 'labels')) ?? { app: name };
  const selector = stringMap(field(body, 'spec', 'selector', 'matchLabels'));
  if (selector) templateLabelsOf(body, selector, name);
  const template = templateSpec(body, name);
  const templateAnnotations = annotationsOf(body, name);
  const spec = { namespace: ns, name, replicas, labels, templateAnnotations, ...template, ...(selector ? { selector } : {}) };
  if (isDryRun(req)) {
    const priority = state.priorityValue(template.priorityClassName);
    const containers = template.containers ?? [{ name, image: `${name}:latest`, requests: {} }];
    const revisions = { generation: 1, templateRevision: 1, observedGeneration: 1, observedRevision: 1, rollingOut: true, completedRollouts: 0 };
    return { status: 201, body: renderDeployment(state, preview({ ...spec, containers, priority, ...revisions })) };
  }
  const created = state.addDeployment(spec, { podsReady: false });
  // The creator (operation Update) owns every field the new Deployment has, defaults included.
  const ctx = { manager: writeOptions(req).manager, apiVersion: 'apps/v1', now: state.timestamp(), schema: DEPLOYMENT_SCHEMA };
  created.managedFields = recordUpdate(undefined, renderDeployment(state, created), ctx);
  return { status: 201, body: renderDeployment(state, created) };
}

export function getDeployment(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const deployment = existingDeployment(state, ns, name);
  const table = tableVersion(req);
  if (table) return { status: 200, body: renderTable(state, req, table, deploymentPrinter, [deployment]) };
  return { status: 200, body: renderDeployment(state, deployment) };
}

/**
 * Merge-patches the Deployment; replicas, the containers (name, image, requests), priorityClassName,
 * the pod template's annotations and metadata.labels/annotations take effect; a change to another
 * Deployment field is refused (deployment-metadata.ts). A template change rolls the pods (state.ts).
 */
export function patchDeployment(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  if (isApplyPatch(req)) return applyDeployment(state, req, ns, name);
  const deployment = existingDeployment(state, ns, name);
  const merged = applyPatch(req, renderDeployment(state, deployment), deployment, 'deployments.apps');
  const replicas = field(merged, 'spec', 'replicas');
  if (!isReplicaCount(replicas)) throw invalid('Deployment', name, REPLICAS_RULE);
  const { containers = deployment.containers, priorityClassName } = templateSpec(merged, name);
  const labels = templateLabelsOf(merged, selectorOf(deployment), name);
  const change = { replicas, containers, priorityClassName, templateAnnotations: annotationsOf(merged, name), labels, ...metadataOf(merged, name) };
  const next = renderDeployment(state, { ...deployment, ...change });
  refuseUnmodeled(merged, next, name);
  // The patch's manager (operation Update) now owns the fields it changed, as server-side apply sees them.
  const ctx = { manager: writeOptions(req).manager, apiVersion: 'apps/v1', now: state.timestamp(), schema: DEPLOYMENT_SCHEMA };
  const managedFields = recordUpdate(renderDeployment(state, deployment), next, ctx);
  if (isDryRun(req)) {
    const priority = state.priorityValue(priorityClassName);
    return { status: 200, body: renderDeployment(state, { ...deployment, ...change, managedFields, priority }) };
  }
  state.updateDeployment(deployment, { ...change, managedFields });
  return { status: 200, body: renderDeployment(state, deployment) };
}

/** Deletes at once (pods included); DeleteOptions.preconditions uid and resourceVersion are checked. */
export function deleteDeployment(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const deployment = existingDeployment(state, ns, name);
  const preconditions = field(req.body, 'preconditions');
  for (const key of ['uid', 'resourceVersion'] as const) {
    const expected = field(preconditions, key);
    if (expected !== undefined && expected !== deployment[key]) {
      throw new SimStatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on deployments.apps "${name}": Precondition failed: ${key === 'uid' ? 'UID' : 'ResourceVersion'} in precondition: ${String(expected)}, ${key === 'uid' ? 'UID' : 'ResourceVersion'} in object meta: ${deployment[key]}`,
        { name, group: 'apps', kind: 'deployments' },
      );
    }
  }
  if (!isDryRun(req)) state.deleteDeployment(deployment);
  const status = renderStatus(200, '', '', { name, group: 'apps', kind: 'deployments', uid: deployment.uid });
  return { status: 200, body: { ...status, status: 'Success', message: undefined, reason: undefined } };
}

export function getScale(state: SimState, _req: SimRequest, ns: string, name: string): SimResponse {
  return { status: 200, body: renderScale(state, existingDeployment(state, ns, name)) };
}

export function patchScale(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const deployment = existingDeployment(state, ns, name);
  const merged = applyPatch(req, renderScale(state, deployment), deployment, 'deployments.apps');
  const replicas = field(merged, 'spec', 'replicas');
  if (!isReplicaCount(replicas)) throw invalid('Scale', name, REPLICAS_RULE);
  if (isDryRun(req)) return { status: 200, body: renderScale(state, { ...deployment, replicas }) };
  state.setReplicas(deployment, replicas);
  return { status: 200, body: renderScale(state, deployment) };
}

function existingDeployment(state: SimState, ns: string, name: string): SimDeployment {
  const deployment = state.deployment(ns, name);
  if (!deployment) throw notFound('deployments.apps', name);
  return deployment;
}
