/**
 * Field sets, as server-side apply tracks them: each manager owns a set of field paths, stored in
 * metadata.managedFields as FieldsV1 ("f:<name>" for a map key, "k:<json>" for an element of a
 * list keyed by its merge keys, "." for the element itself).
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management
 * Lists are atomic unless the kind's schema gives them merge keys (x-kubernetes-list-map-keys);
 * an atomic list or map (x-kubernetes-map-type: atomic) is one field.
 */
import { isObject, type Json } from './request-parsing.ts';

/** Where a kind's lists are keyed and which maps are atomic, by dotted path without list elements. */
export interface KindSchema {
  lists: Record<string, readonly string[]>;
  atomic: readonly string[];
}

/** One element of a field path: `f:name` or `k:{"name":"x"}`. */
type PathElement = string;
/** A field path, as a JSON array of its elements (a Set<string> member). */
export type FieldKey = string;

/** Fields the server sets or that name the object: never owned by a manager. */
const UNOWNED = new Set(['apiVersion', 'kind', 'status']);
const UNOWNED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
]);

const child = (pattern: string, key: string) => (pattern === '' ? key : `${pattern}.${key}`);

/** The fields an object (or an applied configuration) sets, leaves and keyed list elements. */
export function fieldSetOf(object: Json, schema: KindSchema): Set<FieldKey> {
  const found = new Set<FieldKey>();
  const walk = (value: unknown, path: PathElement[], pattern: string): void => {
    const keys = schema.lists[pattern];
    if (pattern !== '' && (schema.atomic.includes(pattern) || (isObject(value) && Object.keys(value).length === 0))) {
      found.add(JSON.stringify(path));
    } else if (isObject(value)) {
      for (const [key, v] of Object.entries(value)) {
        if (pattern === '' && UNOWNED.has(key)) continue;
        if (pattern === 'metadata' && UNOWNED_METADATA.has(key)) continue;
        if (v === undefined) continue;
        walk(v, [...path, `f:${key}`], child(pattern, key));
      }
    } else if (Array.isArray(value) && keys) {
      for (const element of value) {
        const elementPath = [...path, elementKey(element, keys)];
        found.add(JSON.stringify(elementPath));
        if (isObject(element)) for (const [key, v] of Object.entries(element)) walk(v, [...elementPath, `f:${key}`], child(pattern, key));
      }
    } else {
      found.add(JSON.stringify(path));
    }
  };
  walk(object, [], '');
  return found;
}

function elementKey(element: unknown, keys: readonly string[]): PathElement {
  const key: Json = {};
  for (const name of keys) if (isObject(element) && element[name] !== undefined) key[name] = element[name];
  return `k:${JSON.stringify(key)}`;
}

const matchesKey = (element: unknown, pathElement: PathElement): boolean => {
  const key = JSON.parse(pathElement.slice(2)) as Json;
  return isObject(element) && Object.entries(key).every(([k, v]) => JSON.stringify(element[k]) === JSON.stringify(v));
};

/** The value at a field path, or undefined. */
export function valueAt(object: unknown, key: FieldKey): unknown {
  let node = object;
  for (const element of JSON.parse(key) as PathElement[]) {
    if (element.startsWith('f:')) node = isObject(node) ? node[element.slice(2)] : undefined;
    else node = Array.isArray(node) ? node.find((e) => matchesKey(e, element)) : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Removes the field (or list element) at a path, and the maps it leaves empty. */
export function removeAt(object: Json, key: FieldKey): void {
  const path = JSON.parse(key) as PathElement[];
  const parents: unknown[] = [object];
  let node: unknown = object;
  for (const element of path.slice(0, -1)) {
    node = element.startsWith('f:')
      ? isObject(node)
        ? node[element.slice(2)]
        : undefined
      : Array.isArray(node)
        ? node.find((e) => matchesKey(e, element))
        : undefined;
    if (node === undefined) return;
    parents.push(node);
  }
  const last = path.at(-1)!;
  const parent = parents.at(-1);
  if (last.startsWith('f:') && isObject(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const index = parent.findIndex((e) => matchesKey(e, last));
    if (index >= 0) parent.splice(index, 1);
  }
  // Maps emptied by the removal go with it, up to the object itself.
  for (let i = parents.length - 1; i > 0; i -= 1) {
    const emptied = parents[i];
    const holder = parents[i - 1];
    const element = path[i - 1]!;
    if (!isObject(emptied) || Object.keys(emptied).length > 0 || !element.startsWith('f:') || !isObject(holder)) break;
    delete holder[element.slice(2)];
  }
}

/** Merges an applied configuration into the live object: maps by key, keyed lists by element, anything else replaced. */
export function mergeApplied(live: unknown, applied: unknown, schema: KindSchema, pattern = ''): unknown {
  if (pattern !== '' && schema.atomic.includes(pattern)) return structuredClone(applied);
  if (isObject(applied) && isObject(live)) {
    const result: Json = { ...live };
    for (const [key, value] of Object.entries(applied)) result[key] = mergeApplied(live[key], value, schema, child(pattern, key));
    return result;
  }
  const keys = schema.lists[pattern];
  if (Array.isArray(applied) && Array.isArray(live) && keys) {
    const result = [...live];
    for (const element of applied) {
      const index = result.findIndex((e) => matchesKey(e, elementKey(element, keys)));
      const merged = mergeApplied(index >= 0 ? result[index] : undefined, element, schema, pattern);
      if (index >= 0) result[index] = merged;
      else result.push(merged);
    }
    return result;
  }
  return structuredClone(applied);
}

/** A path as an error names it: .spec.template.spec.containers[name="app"].image. */
export function describePath(key: FieldKey): string {
  return (JSON.parse(key) as PathElement[])
    .map((element) => {
      if (element.startsWith('f:')) return `.${element.slice(2)}`;
      const entries = Object.entries(JSON.parse(element.slice(2)) as Json);
      return `[${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    })
    .join('');
}

/** Whether `a` is `b` or lies under it. */
export function isWithin(a: FieldKey, b: FieldKey): boolean {
  return a === b || a.startsWith(`${b.slice(0, -1)},`);
}

/** FieldsV1, the managedFields encoding of a set. */
export function toFieldsV1(set: Set<FieldKey>): Json {
  const root: Json = {};
  for (const key of [...set].sort()) {
    const path = JSON.parse(key) as PathElement[];
    let node = root;
    for (const element of path) {
      node[element] ??= {};
      node = node[element] as Json;
    }
    if (path.at(-1)?.startsWith('k:')) node['.'] = {};
  }
  return root;
}

export function fromFieldsV1(tree: unknown): Set<FieldKey> {
  const set = new Set<FieldKey>();
  const walk = (node: unknown, path: PathElement[]) => {
    const entries = isObject(node) ? Object.entries(node) : [];
    if (entries.length === 0 && path.length > 0) set.add(JSON.stringify(path));
    for (const [element, childNode] of entries) {
      if (element === '.') set.add(JSON.stringify(path));
      else walk(childNode, [...path, element]);
    }
  };
  walk(tree, []);
  return set;
}

/** JSON with sorted keys, to compare values. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
