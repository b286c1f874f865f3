import { randomUUID } from 'node:crypto';
import { renderDeployment, renderHpa, renderList, renderNode, renderPod, renderPriorityClass, renderScale, renderStatus } from './render.ts';
import { UnknownPriorityClassError, type SimContainer, type SimDeployment, type SimHpa, type SimPod, type SimState } from './state.ts';

type Json = Record<string, unknown>;

export interface SimRequest {
  method: string;
  pathname: string;
  query: URLSearchParams;
  contentType: string | undefined;
  body: unknown;
}

export interface SimResponse {
  status: number;
  body: Json;
}

/** An API error; the server turns it into a Kubernetes Status object. */
export class SimStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Json,
  ) {
    super(message);
    this.name = 'SimStatusError';
  }
}

type Handler = (state: SimState, req: SimRequest, ns: string, name: string) => SimResponse;

const NS = '/namespaces/([^/]+)';
/** Namespaced routes capture the namespace, then the name; cluster-scoped ones only the name. */
const routes: { pattern: RegExp; clusterScoped?: true; handlers: Record<string, Handler> }[] = [
  { pattern: new RegExp(`^/apis/apps/v1${NS}/deployments$`), handlers: { GET: listDeployments, POST: createDeployment } },
  {
    pattern: new RegExp(`^/apis/apps/v1${NS}/deployments/([^/]+)$`),
    handlers: { GET: getDeployment, PATCH: patchDeployment, DELETE: deleteDeployment },
  },
  { pattern: new RegExp(`^/apis/apps/v1${NS}/deployments/([^/]+)/scale$`), handlers: { GET: getScale, PATCH: patchScale } },
  { pattern: new RegExp(`^/apis/autoscaling/v2${NS}/horizontalpodautoscalers$`), handlers: { GET: listHpas, POST: createHpa } },
  { pattern: new RegExp(`^/apis/autoscaling/v2${NS}/horizontalpodautoscalers/([^/]+)$`), handlers: { GET: getHpa, PATCH: patchHpa } },
  { pattern: new RegExp(`^/api/v1${NS}/pods$`), handlers: { GET: listPods } },
  { pattern: /^\/api\/v1\/pods$/, clusterScoped: true, handlers: { GET: listAllPods } },
  { pattern: /^\/api\/v1\/nodes$/, clusterScoped: true, handlers: { GET: listNodes } },
  { pattern: /^\/apis\/scheduling\.k8s\.io\/v1\/priorityclasses\/([^/]+)$/, clusterScoped: true, handlers: { GET: getPriorityClass } },
];

/** Routes one authenticated request after bringing the cluster up to now; throws SimStatusError for API errors. */
export function handleRequest(state: SimState, req: SimRequest): SimResponse {
  state.advance();
  for (const { pattern, clusterScoped, handlers } of routes) {
    const match = pattern.exec(req.pathname);
    if (!match) continue;
    const handler = handlers[req.method];
    if (!handler) throw new SimStatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    const segments = match.slice(1).map((segment) => decodeURIComponent(segment));
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
  const { items, continueToken } = page(state.deploymentsIn(ns), req.query);
  const rendered = items.map((d) => renderDeployment(state, d));
  return { status: 200, body: renderList('DeploymentList', 'apps/v1', state.resourceVersion, rendered, continueToken) };
}

function createDeployment(state: SimState, req: SimRequest, ns: string): SimResponse {
  const body = objectBody(req);
  const name = nameIn(body, ns);
  if (state.deployment(ns, name)) throw alreadyExists('deployments.apps', name);
  const replicas = field(body, 'spec', 'replicas') ?? 1;
  if (!isCount(replicas, 0)) throw invalid('Deployment', name, 'spec.replicas must be a non-negative integer');
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

function getDeployment(state: SimState, _req: SimRequest, ns: string, name: string): SimResponse {
  return { status: 200, body: renderDeployment(state, existingDeployment(state, ns, name)) };
}

/**
 * Merge-patches the Deployment; replicas, the containers (name, image, requests), priorityClassName
 * and the pod template's annotations take effect. A template change rolls the pods (state.ts).
 */
function patchDeployment(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const deployment = existingDeployment(state, ns, name);
  const merged = applyPatch(req, renderDeployment(state, deployment), deployment, 'deployments.apps');
  const replicas = field(merged, 'spec', 'replicas');
  if (!isCount(replicas, 0)) throw invalid('Deployment', name, 'spec.replicas must be a non-negative integer');
  const { containers = deployment.containers, priorityClassName } = templateSpec(merged, name);
  const change = { replicas, containers, priorityClassName, templateAnnotations: annotationsOf(merged, name) };
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
  if (!isCount(replicas, 0)) throw invalid('Scale', name, 'spec.replicas must be a non-negative integer');
  if (isDryRun(req)) return { status: 200, body: renderScale(state, { ...deployment, replicas }) };
  state.setReplicas(deployment, replicas);
  return { status: 200, body: renderScale(state, deployment) };
}

function listHpas(state: SimState, _req: SimRequest, ns: string): SimResponse {
  const items = state.hpasIn(ns).map((h) => renderHpa(state, h));
  return {
    status: 200,
    body: renderList('HorizontalPodAutoscalerList', 'autoscaling/v2', state.resourceVersion, items),
  };
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

function getHpa(state: SimState, _req: SimRequest, ns: string, name: string): SimResponse {
  return { status: 200, body: renderHpa(state, existingHpa(state, ns, name)) };
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

/** Pods filtered by labelSelector (k=v terms) and fieldSelector (spec.nodeName, status.phase, metadata.*), a page at a time. */
function podList(state: SimState, req: SimRequest, pods: SimPod[]): SimResponse {
  const labels = parseSelector(req.query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(req.query.get('fieldSelector') ?? '');
  const matching = pods
    .filter((p) => labels.every(([k, v]) => p.labels[k] === v))
    .filter((p) => fields.every(({ key, equal, value }) => (podField(p, key) === value) === equal));
  const { items, continueToken } = page(matching, req.query);
  return { status: 200, body: renderList('PodList', 'v1', state.resourceVersion, items.map((p) => renderPod(state, p)), continueToken) };
}

function listNodes(state: SimState, req: SimRequest): SimResponse {
  const { items, continueToken } = page([...state.nodes()], req.query);
  return { status: 200, body: renderList('NodeList', 'v1', state.resourceVersion, items.map((n) => renderNode(state, n)), continueToken) };
}

function getPriorityClass(state: SimState, _req: SimRequest, _ns: string, name: string): SimResponse {
  const found = state.priorityClass(name);
  if (!found) throw notFound('priorityclasses.scheduling.k8s.io', name);
  return { status: 200, body: renderPriorityClass(found) };
}

const POD_FIELDS: Record<string, (p: SimPod) => string> = {
  'spec.nodeName': (p) => p.nodeName ?? '',
  'status.phase': (p) => (p.nodeName === undefined ? 'Pending' : 'Running'),
  'metadata.name': (p) => p.name,
  'metadata.namespace': (p) => p.namespace,
};

function podField(pod: SimPod, key: string): string {
  return POD_FIELDS[key]!(pod);
}

function parseFieldSelector(selector: string): { key: string; equal: boolean; value: string }[] {
  if (selector === '') return [];
  return selector.split(',').map((term) => {
    const match = /^([^=!]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!match) throw new SimStatusError(400, 'BadRequest', `invalid field selector term: ${term}`);
    const key = match[1]!.trim();
    if (!(key in POD_FIELDS)) throw new SimStatusError(400, 'BadRequest', `field label not supported: ${key}`);
    return { key, equal: match[2] !== '!=', value: match[3]!.trim() };
  });
}

/** limit and continue: the token is the offset of the next item. */
function page<T>(all: T[], query: URLSearchParams): { items: T[]; continueToken?: string } {
  const limit = query.get('limit') === null ? 0 : Number(query.get('limit'));
  if (!Number.isInteger(limit) || limit < 0) throw new SimStatusError(400, 'BadRequest', 'limit must be a non-negative integer');
  const token = query.get('continue');
  const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw new SimStatusError(400, 'BadRequest', 'the provided continue parameter is not valid');
  const end = limit === 0 ? all.length : offset + limit;
  return { items: all.slice(offset, end), continueToken: end < all.length ? Buffer.from(String(end)).toString('base64url') : undefined };
}

/** Merge-patches the rendered object (RFC 7386) after checking the patch type and resourceVersion. */
function applyPatch(req: SimRequest, current: Json, meta: { name: string; resourceVersion: string }, resource: string): Json {
  const type = req.contentType?.split(';')[0]?.trim();
  if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json') {
    throw new SimStatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json`);
  }
  const merged = mergePatch(current, objectBody(req)) as Json;
  if (field(merged, 'metadata', 'resourceVersion') !== meta.resourceVersion) {
    throw new SimStatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${resource} "${meta.name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name: meta.name, group: resource.split('.').slice(1).join('.'), kind: resource.split('.')[0] },
    );
  }
  return merged;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Json = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function hpaSpec(body: Json, name: string): Pick<SimHpa, 'deployment' | 'minReplicas' | 'maxReplicas'> {
  const kind = field(body, 'spec', 'scaleTargetRef', 'kind');
  const deployment = field(body, 'spec', 'scaleTargetRef', 'name');
  const minReplicas = field(body, 'spec', 'minReplicas') ?? 1;
  const maxReplicas = field(body, 'spec', 'maxReplicas');
  if (kind !== 'Deployment' || typeof deployment !== 'string' || deployment === '') {
    throw invalid('HorizontalPodAutoscaler', name, 'spec.scaleTargetRef must name a Deployment');
  }
  if (!isCount(minReplicas, 1)) throw invalid('HorizontalPodAutoscaler', name, 'spec.minReplicas must be an integer >= 1');
  if (!isCount(maxReplicas, minReplicas)) {
    throw invalid('HorizontalPodAutoscaler', name, 'spec.maxReplicas must be an integer >= spec.minReplicas');
  }
  return { deployment, minReplicas, maxReplicas };
}

/** spec.template.metadata.annotations: a map of strings, empty when absent. */
function annotationsOf(body: Json, name: string): Record<string, string> {
  const annotations = field(body, 'spec', 'template', 'metadata', 'annotations');
  if (annotations === undefined) return {};
  const map = stringMap(annotations);
  if (!map) throw invalid('Deployment', name, 'spec.template.metadata.annotations must map strings to strings');
  return { ...map };
}

const QUANTITY = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** The pod template fields the simulator keeps: containers (name, image, requests), priorityClassName, grace period. */
function templateSpec(body: Json, name: string): { containers?: SimContainer[]; priorityClassName?: string; terminationGracePeriodSeconds?: number } {
  const spec = field(body, 'spec', 'template', 'spec');
  const priorityClassName = field(spec, 'priorityClassName');
  if (priorityClassName !== undefined && typeof priorityClassName !== 'string') {
    throw invalid('Deployment', name, 'spec.template.spec.priorityClassName must be a string');
  }
  const grace = field(spec, 'terminationGracePeriodSeconds');
  if (grace !== undefined && !isCount(grace, 0)) {
    throw invalid('Deployment', name, 'spec.template.spec.terminationGracePeriodSeconds must be a non-negative integer');
  }
  const raw = field(spec, 'containers');
  if (raw === undefined) return { priorityClassName, terminationGracePeriodSeconds: grace };
  if (!Array.isArray(raw) || raw.length === 0) throw invalid('Deployment', name, 'spec.template.spec.containers: Required value');
  const containers = raw.map((c: unknown, i): SimContainer => {
    const containerName = field(c, 'name');
    if (typeof containerName !== 'string' || containerName === '') {
      throw invalid('Deployment', name, `spec.template.spec.containers[${i}].name: Required value`);
    }
    const image = field(c, 'image');
    const requests: Record<string, string> = {};
    const given = field(c, 'resources', 'requests');
    for (const [resource, value] of Object.entries(isObject(given) ? given : {})) {
      const quantity = typeof value === 'number' ? String(value) : value;
      if (typeof quantity !== 'string' || !QUANTITY.test(quantity) || quantity.startsWith('-')) {
        throw invalid('Deployment', name, `spec.template.spec.containers[${i}].resources.requests[${resource}]: Invalid value: ${JSON.stringify(value)}`);
      }
      requests[resource] = quantity;
    }
    return { name: containerName, image: typeof image === 'string' ? image : '', requests };
  });
  return { containers, priorityClassName, terminationGracePeriodSeconds: grace };
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

function objectBody(req: SimRequest): Json {
  if (!isObject(req.body)) throw new SimStatusError(400, 'BadRequest', 'the request body must be a JSON object');
  return req.body;
}

function nameIn(body: Json, ns: string): string {
  const name = field(body, 'metadata', 'name');
  const namespace = field(body, 'metadata', 'namespace');
  if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    throw new SimStatusError(422, 'Invalid', 'metadata.name must be a DNS-1123 label');
  }
  if (namespace !== undefined && namespace !== ns) {
    throw new SimStatusError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  }
  return name;
}

function parseSelector(selector: string): [string, string][] {
  if (selector === '') return [];
  return selector.split(',').map((term) => {
    const match = /^([^=!]+)==?([^=]*)$/.exec(term.trim());
    if (!match) throw new SimStatusError(400, 'BadRequest', `unsupported label selector term: ${term}`);
    return [match[1]!.trim(), match[2]!.trim()];
  });
}

function field(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), value);
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) return undefined;
  return value as Record<string, string>;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown, min: number): value is number => Number.isInteger(value) && (value as number) >= min;
const notFound = (resource: string, name: string) => new SimStatusError(404, 'NotFound', `${resource} "${name}" not found`);
const alreadyExists = (resource: string, name: string) =>
  new SimStatusError(409, 'AlreadyExists', `${resource} "${name}" already exists`);
const invalid = (kind: string, name: string, message: string) =>
  new SimStatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${message}`);
