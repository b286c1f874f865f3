import {
  createDeployment,
  deleteDeployment,
  getDeployment,
  getScale,
  listAllDeployments,
  listDeployments,
  patchDeployment,
  patchScale,
} from './deployment-routes.ts';
import { discovery } from './discovery.ts';
import { genericRoutes } from './generic-routes.ts';
import { createHpa, getHpa, listAllHpas, listHpas, patchHpa } from './hpa-routes.ts';
import { labelMatcher } from './label-selector.ts';
import { getNamespace, listNamespaces } from './namespaces.ts';
import { renderList, renderNode, renderPod, renderPriorityClass } from './render.ts';
import { notFound, page, parseFieldSelector, pathSegment, podField, type SimRequest, type SimResponse, SimStatusError } from './request-parsing.ts';
import { type SimPod, type SimState, UnknownPriorityClassError } from './state.ts';
import { nodePrinter, podPrinter, renderTable, tableVersion } from './tables.ts';

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
  ...genericRoutes(),
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
  const labels = labelMatcher(req.query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(req.query.get('fieldSelector') ?? '');
  const matching = pods.filter((p) => labels(p.labels)).filter((p) => fields.every(({ key, equal, value }) => (podField(p, key) === value) === equal));
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
