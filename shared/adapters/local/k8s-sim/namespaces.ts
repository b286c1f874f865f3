/**
 * Namespaces, read only. The simulator keeps no Namespace objects: a namespace exists while some
 * Deployment, HPA or other object is in it, and default and kube-system always do. kubectl reads one after a
 * 404 to say whether the namespace or the object is missing. Every namespace shows status.phase
 * Active and was created with the cluster (the time its built-in PriorityClass was made, which a
 * restart keeps). `kubectl get ns` asks for a Table, served with the API server's namespace columns
 * (NAME, STATUS, AGE: pkg/printers/internalversion/printers.go, namespaceColumnDefinitions).
 */
import { createHash } from 'node:crypto';
import { PLACEHOLDER_PRIORITY_CLASS } from '#ports/cluster.ts';
import { renderList } from './render.ts';
import { type Json, notFound, page, type SimRequest, type SimResponse } from './request-parsing.ts';
import type { SimState } from './state.ts';
import { age, renderTable, tableVersion } from './tables.ts';

const ALWAYS = ['default', 'kube-system'];

const namespacePrinter = {
  columns: [
    ['Name', 0, 'Name must be unique within a namespace.'],
    ['Status', 0, 'The status of the namespace'],
    ['Age', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.'],
  ] as const,
  cells: (state: SimState, name: string) => [name, 'Active', age(createdAt(state))],
  render: (state: SimState, name: string) => renderNamespace(state, name),
};

export function listNamespaces(state: SimState, req: SimRequest): SimResponse {
  const table = tableVersion(req);
  const { items, continueToken } = page(namespaces(state), req.query);
  if (table) return { status: 200, body: renderTable(state, req, table, namespacePrinter, items, continueToken) };
  const rendered = items.map((name) => renderNamespace(state, name));
  return { status: 200, body: renderList('NamespaceList', 'v1', state.resourceVersion, rendered, continueToken) };
}

export function getNamespace(state: SimState, req: SimRequest, _ns: string, name: string): SimResponse {
  if (!namespaces(state).includes(name)) throw notFound('namespaces', name);
  const table = tableVersion(req);
  if (table) return { status: 200, body: renderTable(state, req, table, namespacePrinter, [name]) };
  return { status: 200, body: renderNamespace(state, name) };
}

/** The namespaces that exist now. */
export function namespaces(state: SimState): string[] {
  const names = new Set(ALWAYS);
  for (const d of state.allDeployments()) names.add(d.namespace);
  for (const h of state.allHpas()) names.add(h.namespace);
  for (const namespace of state.objects.namespaces()) names.add(namespace);
  return [...names].sort();
}

/** When the cluster was made: its built-in PriorityClass's creationTimestamp. */
function createdAt(state: SimState): string {
  return state.priorityClass(PLACEHOLDER_PRIORITY_CLASS)!.creationTimestamp;
}

/** A Namespace with a uid derived from its name, so it is the same on every read. */
function renderNamespace(state: SimState, name: string): Json {
  const hex = createHash('sha256').update(`namespace/${name}`).digest('hex');
  const uid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid, resourceVersion: '1', creationTimestamp: createdAt(state), labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}
