/**
 * Namespaces, read only. The simulator keeps no Namespace objects: a namespace exists while some
 * Deployment or HPA is in it, and default and kube-system always do. kubectl reads one after a
 * 404 to say whether the namespace or the object is missing. Lists are served as plain lists only.
 */
import { createHash } from 'node:crypto';
import { renderList } from './render.ts';
import { type Json, notFound, page, type SimRequest, type SimResponse } from './request-parsing.ts';
import type { SimState } from './state.ts';

const ALWAYS = ['default', 'kube-system'];

export function listNamespaces(state: SimState, req: SimRequest): SimResponse {
  const { items, continueToken } = page(namespaces(state), req.query);
  return { status: 200, body: renderList('NamespaceList', 'v1', state.resourceVersion, items.map(renderNamespace), continueToken) };
}

export function getNamespace(state: SimState, _req: SimRequest, _ns: string, name: string): SimResponse {
  if (!namespaces(state).includes(name)) throw notFound('namespaces', name);
  return { status: 200, body: renderNamespace(name) };
}

function namespaces(state: SimState): string[] {
  const names = new Set(ALWAYS);
  for (const d of state.allDeployments()) names.add(d.namespace);
  for (const h of state.allHpas()) names.add(h.namespace);
  return [...names].sort();
}

/** A Namespace with a uid derived from its name, so it is the same on every read. */
function renderNamespace(name: string): Json {
  const hex = createHash('sha256').update(`namespace/${name}`).digest('hex');
  const uid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid, resourceVersion: '1', labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}
