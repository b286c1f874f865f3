import { randomUUID } from 'node:crypto';
import type { Endpoint, ObjectRef } from '#domain/mesh/canonical.ts';
import { FIELD_MANAGER, type KubeObject, resourceOf } from '#domain/mesh/kube-resources.ts';
import { ClusterConflictError, PortError } from '#ports/errors.ts';
import type { ApplyOptions, MeshCluster } from '#ports/mesh-cluster.ts';

/** Fields the API server sets; an apply does not own them and a diff ignores them. */
const SERVER_SET = new Set(['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields']);

type Path = string; // a JSON array of keys
type Leaves = Map<Path, string>; // path -> JSON of the value (lists are atomic, as without list keys)

interface Stored {
  object: KubeObject;
  /** Which managers own each leaf path. */
  owners: Map<Path, Set<string>>;
}

function leavesOf(object: KubeObject): Leaves {
  const leaves: Leaves = new Map();
  const walk = (value: unknown, path: string[]) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) {
        if (path.length === 1 && path[0] === 'metadata' && SERVER_SET.has(key)) continue;
        if (path.length === 0 && key === 'status') continue;
        walk(child, [...path, key]);
      }
    } else if (value !== undefined) leaves.set(JSON.stringify(path), JSON.stringify(value));
  };
  walk(object, []);
  return leaves;
}

function objectOf(leaves: Leaves): KubeObject {
  const root: Record<string, unknown> = {};
  for (const [path, json] of leaves) {
    const keys = JSON.parse(path) as string[];
    let node = root;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1)!] = JSON.parse(json);
  }
  return root as unknown as KubeObject;
}

/** metadata.managedFields as the API server writes them: each manager's Apply entry with its fields as fieldsV1 (lists atomic). */
function managedFieldsOf(owners: Map<Path, Set<string>>, apiVersion: string): unknown[] {
  const byManager = new Map<string, Record<string, unknown>>();
  for (const [path, managers] of owners) {
    for (const manager of managers) {
      let node = byManager.get(manager) ?? {};
      byManager.set(manager, node);
      for (const key of JSON.parse(path) as string[]) {
        node[`f:${key}`] ??= {};
        node = node[`f:${key}`] as Record<string, unknown>;
      }
    }
  }
  return [...byManager].map(([manager, fieldsV1]) => ({ manager, operation: 'Apply', apiVersion, fieldsType: 'FieldsV1', fieldsV1 }));
}

const keyOf = (ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>) => `${ref.kind}/${ref.namespace}/${ref.name}`;
const copy = <T>(value: T): T => structuredClone(value);
const fieldName = (path: Path) => `.${(JSON.parse(path) as string[]).join('.')}`;

/**
 * An in-memory API server for the mesh's objects, held to server-side apply's rules: an apply
 * owns the fields it sends; one that changes a field another manager owns with another value
 * is a conflict; a field the manager applied before and no longer sends is removed; a second
 * identical apply changes nothing (resourceVersion stays); a dry run stores nothing; a delete
 * checks the uid precondition. Lists are atomic. Passes mesh-cluster-contract.ts with the AWS adapter.
 */
export class MemoryMeshCluster implements MeshCluster {
  readonly objects = new Map<string, Stored>();
  readonly endpoints = new Map<string, Endpoint[]>();
  /** Every write, in order: `apply Kind/ns/name`, `delete Kind/ns/name`. */
  readonly writes: string[] = [];
  #version = 100;

  async apply(_cluster: string, object: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> {
    return this.applyAs(FIELD_MANAGER, object, options);
  }

  /** An apply by another manager (a user's kubectl, a controller): how foreign objects and fields come to be. */
  async applyAs(manager: string, object: KubeObject, options: ApplyOptions & { force?: boolean } = {}): Promise<KubeObject> {
    if (!resourceOf(object.apiVersion, object.kind)) throw new PortError(`unknown kind ${object.kind} of ${object.apiVersion}`);
    const ref = { kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name };
    const stored = this.objects.get(keyOf(ref));
    const live: Leaves = stored ? leavesOf(stored.object) : new Map();
    const sent = leavesOf(object);
    const owners = new Map([...(stored?.owners ?? new Map<Path, Set<string>>())].map(([p, m]) => [p, new Set(m)]));
    const conflicts = [...sent].filter(([path, value]) => live.get(path) !== value && [...(owners.get(path) ?? [])].some((m) => m !== manager));
    if (conflicts.length > 0 && !options.force) {
      const names = conflicts.map(([path]) => `conflict with "${[...owners.get(path)!].find((m) => m !== manager)}": ${fieldName(path)}`);
      throw new ClusterConflictError(`Apply failed with ${conflicts.length} conflict(s): ${names.join(', ')}`);
    }
    const next: Leaves = new Map(live);
    for (const [path, managers] of owners) {
      if (!managers.has(manager) || sent.has(path)) continue;
      managers.delete(manager);
      if (managers.size === 0) {
        owners.delete(path);
        next.delete(path);
      }
    }
    const sentPaths = [...sent.keys()].map((p) => p.slice(0, -1));
    for (const path of [...next.keys()]) {
      // A leaf replaced by an object, or an object by a leaf: the old shape goes.
      if (!sent.has(path) && sentPaths.some((p) => path.startsWith(`${p},`) || p.startsWith(`${path.slice(0, -1)},`))) next.delete(path);
    }
    for (const [path, value] of sent) {
      if (live.get(path) !== value) owners.set(path, new Set()); // a changed value (forced, or unowned) is the applier's alone
      owners.set(path, (owners.get(path) ?? new Set()).add(manager));
      next.set(path, value);
    }
    const changed = !stored || next.size !== live.size || [...next].some(([p, v]) => live.get(p) !== v);
    if (!changed) return copy(stored.object);
    const specChanged = !stored || [...new Set([...next.keys(), ...live.keys()])].some((p) => !p.startsWith('["metadata"') && next.get(p) !== live.get(p));
    const metadata = stored?.object.metadata;
    const result = objectOf(next);
    this.#version += 1;
    result.metadata = {
      ...result.metadata,
      uid: metadata?.uid ?? randomUUID(),
      resourceVersion: String(this.#version),
      generation: (metadata?.generation ?? 0) + (specChanged ? 1 : 0),
      creationTimestamp: metadata?.creationTimestamp ?? new Date(0).toISOString(),
    };
    result.metadata.managedFields = managedFieldsOf(owners, object.apiVersion);
    if (options.dryRun) return copy(result);
    this.objects.set(keyOf(ref), { object: result, owners });
    this.writes.push(`apply ${keyOf(ref)}`);
    return copy(result);
  }

  async get(_cluster: string, ref: ObjectRef): Promise<KubeObject | null> {
    const stored = this.objects.get(keyOf(ref));
    return stored && stored.object.apiVersion === ref.apiVersion ? copy(stored.object) : null;
  }

  async list(_cluster: string, kind: Pick<ObjectRef, 'apiVersion' | 'kind'>, namespace: string, labelSelector: string): Promise<KubeObject[]> {
    const wanted = labelSelector
      .split(',')
      .filter(Boolean)
      .map((term) => term.split('=') as [string, string]);
    return [...this.objects.values()]
      .map((s) => s.object)
      .filter((o) => o.kind === kind.kind && o.apiVersion === kind.apiVersion && o.metadata.namespace === namespace)
      .filter((o) => wanted.every(([k, v]) => o.metadata.labels?.[k] === v))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
      .map(copy);
  }

  async delete(_cluster: string, ref: ObjectRef, uid: string, options: ApplyOptions = {}): Promise<void> {
    const stored = this.objects.get(keyOf(ref));
    if (!stored) return;
    if (stored.object.metadata.uid !== uid) {
      throw new ClusterConflictError(`Precondition failed: UID in precondition: ${uid}, UID in object meta: ${stored.object.metadata.uid}`);
    }
    if (options.dryRun) return;
    this.objects.delete(keyOf(ref));
    this.writes.push(`delete ${keyOf(ref)}`);
  }

  async readyEndpoints(_cluster: string, namespace: string, service: string): Promise<Endpoint[]> {
    return copy(this.endpoints.get(`${namespace}/${service}`) ?? []);
  }

  /** Sets the Ready endpoints of a Service, as its EndpointSlices would list them. */
  setEndpoints(namespace: string, service: string, endpoints: Endpoint[]): void {
    this.endpoints.set(`${namespace}/${service}`, endpoints);
  }
}
