/** The simulator's HTTP plumbing: request and answer shapes, Kubernetes-style errors, and reading bodies and selectors. */
import { labelMatcher } from './label-selector.ts';
import type { SimContainer, SimContainerPort, SimHpa, SimPod } from './state.ts';

export type Json = Record<string, unknown>;

export interface SimRequest {
  method: string;
  pathname: string;
  query: URLSearchParams;
  contentType: string | undefined;
  /** The Accept header: a list may be asked for as a Table (tables.ts). */
  accept?: string;
  /** The User-Agent header: the field manager of a write that names none. */
  userAgent?: string;
  body: unknown;
}

export interface SimResponse {
  status: number;
  body: Json;
  /** Warning headers (RFC 7234 299 warnings), as the API server sends for dropped unknown fields. */
  warnings?: string[];
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

export const POD_FIELDS: Record<string, (p: SimPod) => string> = {
  'spec.nodeName': (p) => p.nodeName ?? '',
  'status.phase': (p) => (p.nodeName === undefined ? 'Pending' : 'Running'),
  'metadata.name': (p) => p.name,
  'metadata.namespace': (p) => p.namespace,
};

export function podField(pod: SimPod, key: string): string {
  return POD_FIELDS[key]!(pod);
}

/** Terms of a field selector; `supported` are the field labels the resource can be selected by (the pods' by default). */
export function parseFieldSelector(selector: string, supported: readonly string[] = Object.keys(POD_FIELDS)): { key: string; equal: boolean; value: string }[] {
  if (selector === '') return [];
  return selector.split(',').map((term) => {
    const match = /^([^=!]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!match) throw new SimStatusError(400, 'BadRequest', `invalid field selector term: ${term}`);
    const key = match[1]!.trim();
    if (!supported.includes(key)) throw new SimStatusError(400, 'BadRequest', `field label not supported: ${key}`);
    return { key, equal: match[2] !== '!=', value: match[3]!.trim() };
  });
}

/**
 * A filter from the request's labelSelector (k=v terms) and fieldSelector on metadata.name and
 * metadata.namespace, the field labels every resource supports.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/#supported-fields
 */
export function metadataFilter(query: URLSearchParams): (object: { name: string; namespace: string; labels?: Record<string, string> }) => boolean {
  const labels = labelMatcher(query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '', ['metadata.name', 'metadata.namespace']);
  return (object) =>
    labels(object.labels) && fields.every(({ key, equal, value }) => ((key === 'metadata.name' ? object.name : object.namespace) === value) === equal);
}

/** limit and continue: the token is the offset of the next item. */
export function page<T>(all: T[], query: URLSearchParams): { items: T[]; continueToken?: string } {
  const limit = query.get('limit') === null ? 0 : Number(query.get('limit'));
  if (!Number.isInteger(limit) || limit < 0) throw new SimStatusError(400, 'BadRequest', 'limit must be a non-negative integer');
  const token = query.get('continue');
  const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw new SimStatusError(400, 'BadRequest', 'the provided continue parameter is not valid');
  const end = limit === 0 ? all.length : offset + limit;
  return { items: all.slice(offset, end), continueToken: end < all.length ? Buffer.from(String(end)).toString('base64url') : undefined };
}

/**
 * Merge-patches the rendered object (RFC 7396: null deletes a key) after checking the patch type and
 * resourceVersion. JSON patch and apply patches get 415, naming the types accepted, as a server does
 * for a patch type a resource does not support (strategic merge on a custom resource, for one).
 */
export function applyPatch(req: SimRequest, current: Json, meta: { name: string; resourceVersion: string }, resource: string): Json {
  const type = req.contentType?.split(';')[0]?.trim();
  if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json') {
    throw new SimStatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json`,
    );
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

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Json = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export function hpaSpec(body: Json, name: string): Pick<SimHpa, 'deployment' | 'minReplicas' | 'maxReplicas'> {
  const kind = field(body, 'spec', 'scaleTargetRef', 'kind');
  const deployment = field(body, 'spec', 'scaleTargetRef', 'name');
  const minReplicas = field(body, 'spec', 'minReplicas') ?? 1;
  const maxReplicas = field(body, 'spec', 'maxReplicas');
  if (kind !== 'Deployment' || typeof deployment !== 'string' || deployment === '') {
    throw invalid('HorizontalPodAutoscaler', name, 'spec.scaleTargetRef must name a Deployment');
  }
  if (!isReplicaCount(minReplicas, 1)) throw invalid('HorizontalPodAutoscaler', name, `spec.minReplicas must be an integer from 1 to ${INT32_MAX}`);
  if (!isReplicaCount(maxReplicas, minReplicas)) {
    throw invalid('HorizontalPodAutoscaler', name, `spec.maxReplicas must be an integer from spec.minReplicas to ${INT32_MAX}`);
  }
  return { deployment, minReplicas, maxReplicas };
}

/** spec.template.metadata.annotations: a map of strings, empty when absent. */
export function annotationsOf(body: Json, name: string): Record<string, string> {
  const annotations = field(body, 'spec', 'template', 'metadata', 'annotations');
  if (annotations === undefined) return {};
  const map = stringMap(annotations);
  if (!map) throw invalid('Deployment', name, 'spec.template.metadata.annotations must map strings to strings');
  return { ...map };
}

export const QUANTITY = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** The pod template fields the simulator keeps: containers (name, image, requests), priorityClassName, grace period. */
export function templateSpec(body: Json, name: string): { containers?: SimContainer[]; priorityClassName?: string; terminationGracePeriodSeconds?: number } {
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
    const ports = portsOf(field(c, 'ports'), `spec.template.spec.containers[${i}].ports`, name);
    return { name: containerName, image: typeof image === 'string' ? image : '', requests, ...(ports ? { ports } : {}) };
  });
  return { containers, priorityClassName, terminationGracePeriodSeconds: grace };
}

/** A container's ports as core/v1 validates them: containerPort 1–65535, protocol TCP, UDP or SCTP (TCP by default), an IANA service name. */
function portsOf(raw: unknown, path: string, name: string): SimContainerPort[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw invalid('Deployment', name, `${path}: Invalid value: must be a list`);
  const names = new Set<string>();
  return raw.map((p: unknown, j): SimContainerPort => {
    const containerPort = field(p, 'containerPort');
    if (!Number.isInteger(containerPort) || (containerPort as number) < 1 || (containerPort as number) > 65_535) {
      throw invalid('Deployment', name, `${path}[${j}].containerPort: Invalid value: ${JSON.stringify(containerPort)}: must be between 1 and 65535, inclusive`);
    }
    const protocol = field(p, 'protocol') ?? 'TCP';
    if (typeof protocol !== 'string' || !['TCP', 'UDP', 'SCTP'].includes(protocol)) {
      throw invalid('Deployment', name, `${path}[${j}].protocol: Unsupported value: ${JSON.stringify(protocol)}: supported values: "SCTP", "TCP", "UDP"`);
    }
    const portName = field(p, 'name');
    if (portName !== undefined) {
      if (
        typeof portName !== 'string' ||
        portName.length > 15 ||
        !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(portName) ||
        !/[a-z]/.test(portName) ||
        portName.includes('--')
      ) {
        throw invalid(
          'Deployment',
          name,
          `${path}[${j}].name: Invalid value: ${JSON.stringify(portName)}: must be an IANA service name (at most 15 characters)`,
        );
      }
      if (names.has(portName)) throw invalid('Deployment', name, `${path}[${j}].name: Duplicate value: ${JSON.stringify(portName)}`);
      names.add(portName);
    }
    return { ...(portName === undefined ? {} : { name: portName }), containerPort: containerPort as number, protocol };
  });
}

export function objectBody(req: SimRequest): Json {
  if (!isObject(req.body)) throw new SimStatusError(400, 'BadRequest', 'the request body must be a JSON object');
  return req.body;
}

export function nameIn(body: Json, ns: string): string {
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

/** A path segment, percent-decoded; a malformed escape is the client's error, a 400. */
export function pathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new SimStatusError(400, 'BadRequest', `the request path has a malformed escape: ${segment}`);
  }
}

export function field(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), value);
}

export function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) return undefined;
  return value as Record<string, string>;
}

/**
 * Replica counts (Deployment and Scale spec.replicas, HPA min/maxReplicas) are int32 in the API:
 * https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/#DeploymentSpec
 * A value past 2147483647 does not decode into the object, and the API server answers 422 Invalid.
 */
export const INT32_MAX = 2_147_483_647;
export const isReplicaCount = (value: unknown, min = 0): value is number => isCount(value, min) && value <= INT32_MAX;
export const REPLICAS_RULE = `spec.replicas must be an integer from 0 to ${INT32_MAX} (int32)`;
export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const isCount = (value: unknown, min: number): value is number => Number.isInteger(value) && (value as number) >= min;
export const notFound = (resource: string, name: string) => new SimStatusError(404, 'NotFound', `${resource} "${name}" not found`);
export const alreadyExists = (resource: string, name: string) => new SimStatusError(409, 'AlreadyExists', `${resource} "${name}" already exists`);
export const invalid = (kind: string, name: string, message: string) => new SimStatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${message}`);
