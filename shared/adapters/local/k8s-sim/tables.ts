/**
 * Pod lists as Tables, the server-side `kubectl get` representation a client asks for with
 * `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`. Each row carries the display cells and,
 * by `includeObject`, the pod's metadata only (the default, PartialObjectMetadata), the whole pod
 * (Object), or nothing (None).
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#table-fetches
 */
import { renderPod } from './render.ts';
import { SimStatusError, type SimRequest } from './request-parsing.ts';
import type { SimPod, SimState } from './state.ts';

type Json = Record<string, unknown>;

/** The Table version the Accept header asks for, or null when it asks for the plain list. */
export function tableVersion(req: SimRequest): 'v1' | 'v1beta1' | null {
  const offers = (req.accept ?? 'application/json').split(',').map((offer) => {
    const [type = '', ...params] = offer.split(';').map((part) => part.trim());
    return { type, params: Object.fromEntries(params.map((p) => p.split('=').map((s) => s.trim()) as [string, string])) };
  });
  for (const { type, params } of offers) {
    if (type !== 'application/json' && type !== '*/*') continue;
    if (params.as === undefined) return null;
    if (params.as === 'Table' && params.g === 'meta.k8s.io' && (params.v === 'v1' || params.v === 'v1beta1')) return params.v;
  }
  throw new SimStatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/json;as=Table;g=meta.k8s.io;v=v1`);
}

const COLUMNS = [
  ['Name', 'string', 'name', 0],
  ['Ready', 'string', '', 0],
  ['Status', 'string', '', 0],
  ['Restarts', 'string', '', 0],
  ['Age', 'string', '', 0],
  ['IP', 'string', '', 1],
  ['Node', 'string', '', 1],
  ['Nominated Node', 'string', '', 1],
  ['Readiness Gates', 'string', '', 1],
] as const;

export function renderPodTable(state: SimState, req: SimRequest, version: 'v1' | 'v1beta1', pods: SimPod[], continueToken?: string): Json {
  const include = req.query.get('includeObject') ?? 'Metadata';
  if (!['None', 'Metadata', 'Object'].includes(include)) {
    throw new SimStatusError(400, 'BadRequest', `includeObject must be one of None, Metadata, Object`);
  }
  const rows = pods.map((pod) => {
    const rendered = renderPod(state, pod);
    const cells = [
      pod.name,
      `${state.isReady(pod) ? 1 : 0}/1`,
      pod.nodeName === undefined ? 'Pending' : 'Running',
      '0',
      age(pod.creationTimestamp),
      '<none>',
      pod.nodeName ?? '<none>',
      '<none>',
      '<none>',
    ];
    if (include === 'None') return { cells };
    const object = include === 'Object'
      ? rendered
      : { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: rendered.metadata };
    return { cells, object };
  });
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: { resourceVersion: state.resourceVersion, continue: continueToken },
    columnDefinitions: COLUMNS.map(([name, type, format, priority]) => ({ name, type, format, description: name, priority })),
    rows,
  };
}

function age(created: string): string {
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(created)) / 1000));
  return seconds < 120 ? `${seconds}s` : seconds < 7200 ? `${Math.floor(seconds / 60)}m` : `${Math.floor(seconds / 3600)}h`;
}
