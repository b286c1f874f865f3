import { randomUUID } from 'node:crypto';
import { renderDeployment, renderHpa, renderList, renderPod, renderScale } from './render.ts';
import type { SimDeployment, SimHpa, SimState } from './state.ts';

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
const routes: { pattern: RegExp; handlers: Record<string, Handler> }[] = [
  { pattern: new RegExp(`^/apis/apps/v1${NS}/deployments$`), handlers: { GET: listDeployments, POST: createDeployment } },
  { pattern: new RegExp(`^/apis/apps/v1${NS}/deployments/([^/]+)$`), handlers: { GET: getDeployment } },
  { pattern: new RegExp(`^/apis/apps/v1${NS}/deployments/([^/]+)/scale$`), handlers: { GET: getScale, PATCH: patchScale } },
  { pattern: new RegExp(`^/apis/autoscaling/v2${NS}/horizontalpodautoscalers$`), handlers: { GET: listHpas, POST: createHpa } },
  { pattern: new RegExp(`^/apis/autoscaling/v2${NS}/horizontalpodautoscalers/([^/]+)$`), handlers: { GET: getHpa, PATCH: patchHpa } },
  { pattern: new RegExp(`^/api/v1${NS}/pods$`), handlers: { GET: listPods } },
];

/** Routes one authenticated request; throws SimStatusError for API errors. */
export function handleRequest(state: SimState, req: SimRequest): SimResponse {
  for (const { pattern, handlers } of routes) {
    const match = pattern.exec(req.pathname);
    if (!match) continue;
    const handler = handlers[req.method];
    if (!handler) throw new SimStatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    const [ns = '', name = ''] = match.slice(1).map((segment) => decodeURIComponent(segment));
    return handler(state, req, ns, name);
  }
  throw new SimStatusError(404, 'NotFound', 'the server could not find the requested resource');
}

function listDeployments(state: SimState, _req: SimRequest, ns: string): SimResponse {
  const items = state.deploymentsIn(ns).map((d) => renderDeployment(state, d));
  return { status: 200, body: renderList('DeploymentList', 'apps/v1', state.resourceVersion, items) };
}

function createDeployment(state: SimState, req: SimRequest, ns: string): SimResponse {
  const body = objectBody(req);
  const name = nameIn(body, ns);
  if (state.deployment(ns, name)) throw alreadyExists('deployments.apps', name);
  const replicas = field(body, 'spec', 'replicas') ?? 1;
  if (!isCount(replicas, 0)) throw invalid('Deployment', name, 'spec.replicas must be a non-negative integer');
  const labels = stringMap(field(body, 'spec', 'template', 'metadata', 'labels')) ?? { app: name };
  const seed = { namespace: ns, name, replicas, labels };
  const created = isDryRun(req) ? preview({ ...seed, generation: 1 }) : state.addDeployment(seed, { podsReady: false });
  return { status: 201, body: renderDeployment(state, created) };
}

function getDeployment(state: SimState, _req: SimRequest, ns: string, name: string): SimResponse {
  return { status: 200, body: renderDeployment(state, existingDeployment(state, ns, name)) };
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
  const selector = parseSelector(req.query.get('labelSelector') ?? '');
  const pods = state.podsIn(ns).filter((p) => selector.every(([k, v]) => p.labels[k] === v));
  return { status: 200, body: renderList('PodList', 'v1', state.resourceVersion, pods.map((p) => renderPod(state, p))) };
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
