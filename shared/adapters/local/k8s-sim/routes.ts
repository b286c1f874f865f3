import { randomUUID } from 'node:crypto';
import { metadataOf, refuseUnmodeled } from './deployment-metadata.ts';
import { discovery } from './discovery.ts';
import { getNamespace, listNamespaces } from './namespaces.ts';
import { metadataLabelsOf } from './objects.ts';
import { renderDeployment, renderHpa, renderList, renderNode, renderPod, renderPriorityClass, renderScale, renderStatus } from './render.ts';
import {
  alreadyExists,
  annotationsOf,
  applyPatch,
  field,
  hpaSpec,
  invalid,
  isReplicaCount,
  metadataFilter,
  nameIn,
  notFound,
  objectBody,
  page,
  parseFieldSelector,
  parseSelector,
  pathSegment,
  podField,
  REPLICAS_RULE,
  type SimRequest,
  type SimResponse,
  SimStatusError,
  stringMap,
  templateSpec,
} from './request-parsing.ts';
import { type SimContainer, type SimDeployment, type SimHpa, type SimPod, type SimState, UnknownPriorityClassError } from './state.ts';
import { deploymentPrinter, hpaPrinter, nodePrinter, podPrinter, renderTable, tableVersion } from './tables.ts';

type Handler = (state: SimState, req: SimRequest, ns: string, name: string) => SimResponse;

const NS = '/namespaces/([^/]+)';
/** Namespaced routes capture the namespace, then the name; cluster-scoped ones only the name. */
const routes: { pattern: RegExp; clusterScoped?: true; handlers: Record<string, Handler> }[] = [
  { pattern: /^\/apis\/apps\/v1\/deployments$/, clusterScoped: true, handlers: { GET: listAllDeployments } },
  { pattern: new RegExp(`^/apis/apps/v1${NS}/deployments$`), handlers: { GET: listDeployments, POST: createDeployment } },
  {
    pattern: new RegExp(`^/apis/apps/v1${NS}/deployments/([^/]+)$`),
    handlers: { GET: getDeployment, PATCH: patchDeployment, DELETE: deleteDeployment },
  },
  { pattern: new RegExp(`^/apis/apps/v1${NS}/deployments/([^/]+)/scale$`), handlers: { GET: getScale, PATCH: patchScale } },
  { pattern: /^\/apis\/autoscaling\/v2\/horizontalpodautoscalers$/, clusterScoped: true, handlers: { GET: listAllHpas } },
  { pattern: new RegExp(`^/apis/autoscaling/v2${NS}/horizontalpodautoscalers$`), handlers: { GET: listHpas, POST: createHpa } },
  { pattern: new RegExp(`^/apis/autoscaling/v2${NS}/horizontalpodautoscalers/([^/]+)$`), handlers: { GET: getHpa, PATCH: patchHpa } },
  { pattern: new RegExp(`^/api/v1${NS}/pods$`), handlers: { GET: listPods } },
  { pattern: new RegExp(`^/api/v1${NS}/pods/([^/]+)$`), handlers: { GET: getPod } },
  { pattern: /^\/api\/v1\/pods$/, clusterScoped: true, handlers: { GET: listAllPods } },
  { pattern: /^\/api\/v1\/namespaces$/, clusterScoped: true, handlers: { GET: listNamespaces } },
  { pattern: /^\/api\/v1\/namespaces\/([^/]+)$/, clusterScoped: true, handlers: { GET: getNamespace } },
  { pattern: /^\/api\/v1\/nodes$/, clusterScoped: true, handlers: { GET: listNodes } },
  { pattern: /^\/api\/v1\/nodes\/([^/]+)$/, clusterScoped: true, handlers: { GET: getNode } },
  { pattern: /^\/apis\/scheduling\.k8s\.io\/v1\/priorityclasses\/([^/]+)$/, clusterScoped: true, handlers: { GET: getPriorityClass } },
];

/** Routes one authenticated request after bringing the cluster up to now; throws SimStatusError for API errors. */
export function handleRequest(state: SimState, req: SimRequest): SimResponse {
  const document = req.method === 'GET' ? discovery(req.pathname) : undefined;
  if (document) return document;
  state.advance();
  for (const { pattern, clusterScoped, handlers } of routes) {
    const match = pattern.exec(req.pathname);
    if (!match) continue;
    const handler = handlers[req.method];
    if (!handler) throw new SimStatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    const segments = match.slice(1).map(pathSegment);
    const [ns = '', name = ''] = clusterScoped ? ['', ...segments] : segments;
    try {
      return handler(state, req, ns, name);
    } catch (err) {
      if (err instanceof UnknownPriorityClassError) throw new SimStatusError(422, 'Invalid', err.message);
      throw err;
    }
  }
  throw new SimStatusError(404, 'NotFound', 'the server could not find the requested resource');
}

function listDeployments(state: SimState, req: SimRequest, ns: string): SimResponse {
  return deploymentList(state, req, state.deploymentsIn(ns));
}

function listAllDeployments(state: SimState, req: SimRequest): SimResponse {
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

function createDeployment(state: SimState, req: SimRequest, ns: string): SimResponse {
  const body = objectBody(req);
  const name = nameIn(body, ns);
  if (state.deployment(ns, name)) throw alreadyExists('deployments.apps', name);
  const replicas = field(body, 'spec', 'replicas') ?? 1;
  if (!isReplicaCount(replicas)) throw invalid('Deployment', name, REPLICAS_RULE);
  const labels = stringMap(field(body, 'spec', 'template', 'metadata', 'labels')) ?? { app: name };
  const template = templateSpec(body, name);
  const templateAnnotations = annotationsOf(body, name);
  const spec = { namespace: ns, name, replicas, labels, templateAnnotations, ...template };
  if (isDryRun(req)) {
    const priority = state.priorityValue(template.priorityClassName);
    const containers = template.containers ?? [{ name, image: `${name}:latest`, requests: {} }];
    const revisions = { generation: 1, templateRevision: 1, observedGeneration: 1, observedRevision: 1, rollingOut: true, completedRollouts: 0 };
    return { status: 201, body: renderDeployment(state, preview({ ...spec, containers, priority, ...revisions })) };
  }
  return { status: 201, body: renderDeployment(state, state.addDeployment(spec, { podsReady: false })) };
}

function getDeployment(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
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
function patchDeployment(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const deployment = existingDeployment(state, ns, name);
  const merged = applyPatch(req, renderDeployment(state, deployment), deployment, 'deployments.apps');
  const replicas = field(merged, 'spec', 'replicas');
  if (!isReplicaCount(replicas)) throw invalid('Deployment', name, REPLICAS_RULE);
  const { containers = deployment.containers, priorityClassName } = templateSpec(merged, name);
  const change = { replicas, containers, priorityClassName, templateAnnotations: annotationsOf(merged, name), ...metadataOf(merged, name) };
  refuseUnmodeled(merged, renderDeployment(state, { ...deployment, ...change }), name);
  if (isDryRun(req)) {
    const priority = state.priorityValue(priorityClassName);
    return { status: 200, body: renderDeployment(state, { ...deployment, ...change, priority }) };
  }
  state.updateDeployment(deployment, change);
  return { status: 200, body: renderDeployment(state, deployment) };
}

/** Deletes at once (pods included); DeleteOptions.preconditions uid and resourceVersion are checked. */
function deleteDeployment(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
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

function getScale(state: SimState, _req: SimRequest, ns: string, name: string): SimResponse {
  return { status: 200, body: renderScale(state, existingDeployment(state, ns, name)) };
}

function patchScale(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const deployment = existingDeployment(state, ns, name);
  const merged = applyPatch(req, renderScale(state, deployment), deployment, 'deployments.apps');
  const replicas = field(merged, 'spec', 'replicas');
  if (!isReplicaCount(replicas)) throw invalid('Scale', name, REPLICAS_RULE);
  if (isDryRun(req)) return { status: 200, body: renderScale(state, { ...deployment, replicas }) };
  state.setReplicas(deployment, replicas);
  return { status: 200, body: renderScale(state, deployment) };
}

function listHpas(state: SimState, req: SimRequest, ns: string): SimResponse {
  return hpaList(state, req, state.hpasIn(ns));
}

function listAllHpas(state: SimState, req: SimRequest): SimResponse {
  return hpaList(state, req, state.allHpas());
}

function hpaList(state: SimState, req: SimRequest, hpas: SimHpa[]): SimResponse {
  const table = tableVersion(req);
  const { items, continueToken } = page(hpas.filter(metadataFilter(req.query)), req.query);
  if (table) return { status: 200, body: renderTable(state, req, table, hpaPrinter, items, continueToken) };
  const rendered = items.map((h) => renderHpa(state, h));
  return { status: 200, body: renderList('HorizontalPodAutoscalerList', 'autoscaling/v2', state.resourceVersion, rendered, continueToken) };
}

function createHpa(state: SimState, req: SimRequest, ns: string): SimResponse {
  const body = objectBody(req);
  const name = nameIn(body, ns);
  if (state.hpa(ns, name)) throw alreadyExists('horizontalpodautoscalers.autoscaling', name);
  const spec = hpaSpec(body, name);
  const seed = { namespace: ns, name, ...spec };
  const created = isDryRun(req) ? preview({ ...seed, desiredReplicas: spec.minReplicas }) : state.addHpa(seed);
  return { status: 201, body: renderHpa(state, created) };
}

function getHpa(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const hpa = existingHpa(state, ns, name);
  const table = tableVersion(req);
  if (table) return { status: 200, body: renderTable(state, req, table, hpaPrinter, [hpa]) };
  return { status: 200, body: renderHpa(state, hpa) };
}

function patchHpa(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const hpa = existingHpa(state, ns, name);
  const merged = applyPatch(req, renderHpa(state, hpa), hpa, 'horizontalpodautoscalers.autoscaling');
  const change = hpaSpec(merged, name);
  if (isDryRun(req)) return { status: 200, body: renderHpa(state, { ...hpa, ...change }) };
  state.updateHpa(hpa, change);
  return { status: 200, body: renderHpa(state, hpa) };
}

function listPods(state: SimState, req: SimRequest, ns: string): SimResponse {
  return podList(state, req, state.podsIn(ns));
}

function listAllPods(state: SimState, req: SimRequest): SimResponse {
  return podList(state, req, state.allPods());
}

/**
 * Pods filtered by labelSelector (k=v terms) and fieldSelector (spec.nodeName, status.phase, metadata.*), a page at a time,
 * as a PodList or, when the Accept header asks, a Table.
 */
function podList(state: SimState, req: SimRequest, pods: SimPod[]): SimResponse {
  const labels = parseSelector(req.query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(req.query.get('fieldSelector') ?? '');
  const matching = pods
    .filter((p) => labels.every(([k, v]) => p.labels[k] === v))
    .filter((p) => fields.every(({ key, equal, value }) => (podField(p, key) === value) === equal));
  const table = tableVersion(req);
  const { items, continueToken } = page(matching, req.query);
  if (table) return { status: 200, body: renderTable(state, req, table, podPrinter, items, continueToken) };
  return {
    status: 200,
    body: renderList(
      'PodList',
      'v1',
      state.resourceVersion,
      items.map((p) => renderPod(state, p)),
      continueToken,
    ),
  };
}

function getPod(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const pod = state.podsIn(ns).find((p) => p.name === name);
  if (!pod) throw notFound('pods', name);
  const table = tableVersion(req);
  if (table) return { status: 200, body: renderTable(state, req, table, podPrinter, [pod]) };
  return { status: 200, body: renderPod(state, pod) };
}

function listNodes(state: SimState, req: SimRequest): SimResponse {
  const table = tableVersion(req);
  const { items, continueToken } = page([...state.nodes()], req.query);
  if (table) return { status: 200, body: renderTable(state, req, table, nodePrinter, items, continueToken) };
  return {
    status: 200,
    body: renderList(
      'NodeList',
      'v1',
      state.resourceVersion,
      items.map((n) => renderNode(state, n)),
      continueToken,
    ),
  };
}

function getNode(state: SimState, req: SimRequest, _ns: string, name: string): SimResponse {
  const node = state.nodes().find((n) => n.name === name);
  if (!node) throw notFound('nodes', name);
  const table = tableVersion(req);
  if (table) return { status: 200, body: renderTable(state, req, table, nodePrinter, [node]) };
  return { status: 200, body: renderNode(state, node) };
}

function getPriorityClass(state: SimState, _req: SimRequest, _ns: string, name: string): SimResponse {
  const found = state.priorityClass(name);
  if (!found) throw notFound('priorityclasses.scheduling.k8s.io', name);
  return { status: 200, body: renderPriorityClass(found) };
}

/** An object as a dry run would create it: not stored, no resourceVersion. */
function preview<T extends object>(fields: T): T & { uid: string; resourceVersion: string; creationTimestamp: string } {
  return { ...fields, uid: randomUUID(), resourceVersion: '', creationTimestamp: new Date().toISOString() };
}

function isDryRun(req: SimRequest): boolean {
  const dryRun = req.query.getAll('dryRun');
  if (dryRun.some((value) => value !== 'All')) throw new SimStatusError(400, 'BadRequest', 'dryRun must be All');
  return dryRun.length > 0;
}

function existingDeployment(state: SimState, ns: string, name: string): SimDeployment {
  const deployment = state.deployment(ns, name);
  if (!deployment) throw notFound('deployments.apps', name);
  return deployment;
}

function existingHpa(state: SimState, ns: string, name: string): SimHpa {
  const hpa = state.hpa(ns, name);
  if (!hpa) throw notFound('horizontalpodautoscalers.autoscaling', name);
  return hpa;
}
