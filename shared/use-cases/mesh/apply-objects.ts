import { canonicalJson } from '#domain/canonical-json.ts';
import { ConflictError } from '#domain/errors.ts';
import type { ObjectRef } from '#domain/mesh/canonical.ts';
import {
  apiVersionOf,
  type KubeObject,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  MESH_RESOURCES,
  RENDERED_KINDS,
  SERVICE_LABEL,
} from '#domain/mesh/kube-resources.ts';
import { diffObjects } from '#domain/mesh/object-diff.ts';
import type { ChangeProbe } from '#ports/audit-outbox.ts';
import { ClusterConflictError } from '#ports/errors.ts';
import type { Caller, MeshPorts } from '#ports/ports.ts';
import type { ProbeAnswer } from '#use-cases/drain-audit-outbox.ts';
import { recordedChange } from '#use-cases/recorded-change.ts';
import type { ObjectChange } from './apply-result.ts';

/** Where one service's objects go, and what its records are filed under. */
export interface ServiceTarget {
  cluster: string;
  service: string;
  namespace: string;
}

export interface ApplyObjectsOptions {
  dryRun: boolean;
  /** Why, in words: the first reason of every record. */
  why: string;
}

export const refOf = (o: KubeObject): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name });
export const nameOf = (ref: ObjectRef): string => `${ref.kind} ${ref.namespace}/${ref.name}`;
const MAX_DIFF_REASONS = 20;

/** The object as the audit keeps it: without managedFields and status, which only the server writes. */
function forRecord(o: KubeObject | null): unknown {
  if (!o) return null;
  const { status: _status, ...rest } = o;
  const { managedFields: _fields, ...metadata } = o.metadata;
  return { ...rest, metadata };
}

/** Reads the live counterpart of every rendered object, in order. */
export async function readLive(ports: Pick<MeshPorts, 'mesh'>, cluster: string, objects: KubeObject[]): Promise<(KubeObject | null)[]> {
  const live: (KubeObject | null)[] = [];
  for (const o of objects) live.push(await ports.mesh.get(cluster, refOf(o)));
  return live;
}

/**
 * hms-sys never applies over an object it did not create (no managed-by label), nor over another
 * service's: checked for every object before the first write, so a refusal changes nothing.
 */
export function refuseForeign(service: string, objects: KubeObject[], live: (KubeObject | null)[]): void {
  objects.forEach((o, i) => {
    const labels = live[i]?.metadata.labels;
    if (!live[i]) return;
    const field = `${o.kind}/${o.metadata.name}`;
    if (labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
      throw new ConflictError(
        `${nameOf(refOf(o))} exists and hms-sys did not create it (it lacks the label ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}); hms-sys never applies over it: rename the service, or remove that object yourself. Nothing was applied.`,
        field,
        'not_managed_by_hms_sys',
      );
    }
    if (labels[SERVICE_LABEL] !== service) {
      throw new ConflictError(
        `${nameOf(refOf(o))} belongs to mesh service ${labels[SERVICE_LABEL] ?? '(none)'}, not ${service}. Nothing was applied.`,
        field,
        'owned_by_another_service',
      );
    }
  });
}

/**
 * The API server validates every object that will change, and finds any field another manager
 * owns, with dryRun=All: called before the first real write, so a refusal leaves the cluster as it was.
 */
export async function preflight(ports: MeshPorts, target: ServiceTarget, objects: KubeObject[], live: (KubeObject | null)[]): Promise<void> {
  for (const [i, desired] of objects.entries()) {
    if (live[i] && diffObjects(live[i], desired).length === 0) continue;
    await ports.mesh.apply(target.cluster, desired, { dryRun: true }).catch((err: unknown) => {
      throw conflictOf(err, desired);
    });
  }
}

/** What a write can change of an object, without the marks every write moves (resourceVersion, generation, times) and status. */
function contentOf(o: KubeObject | null): string {
  if (!o) return '';
  const { status: _status, ...rest } = o;
  const { resourceVersion: _rv, generation: _g, managedFields, ...metadata } = o.metadata;
  const fields = Array.isArray(managedFields) ? managedFields.map((f) => ({ ...(f as object), time: undefined })) : managedFields;
  return canonicalJson(JSON.parse(JSON.stringify({ ...rest, metadata: { ...metadata, managedFields: fields } })));
}

/**
 * Server-side applies each object in order, after a preflight of every object that would change.
 * An object that would change is applied under its audit intent (recorded-change.ts, probe
 * mesh-object). One whose diff is empty is checked with a dry run: if the server would change it
 * after all (a field the diff does not show), it is applied under its intent like the others, so a
 * crash after the write leaves the intent for the drainer; else nothing is written. A dry run
 * applies with dryRun=All, so the API server validates every object, and stores nothing.
 */
export async function applyObjects(
  ports: MeshPorts,
  caller: Caller,
  target: ServiceTarget,
  objects: KubeObject[],
  live: (KubeObject | null)[],
  options: ApplyObjectsOptions,
): Promise<ObjectChange[]> {
  const changes: ObjectChange[] = [];
  await preflight(ports, target, objects, live);
  for (const [i, desired] of objects.entries()) {
    const before = live[i] ?? null;
    const diff = diffObjects(before, desired);
    const ref = refOf(desired);
    let action: ObjectChange['action'] = before === null ? 'created' : diff.length > 0 ? 'configured' : 'unchanged';
    let reasons = [options.why, ...diff.slice(0, MAX_DIFF_REASONS)];
    if (action === 'unchanged') {
      const preview = await ports.mesh.apply(target.cluster, desired, { dryRun: true }).catch((err: unknown) => {
        throw conflictOf(err, desired);
      });
      if (contentOf(preview) !== contentOf(before)) {
        action = 'configured';
        reasons = [options.why, 'the server changes what the diff does not show'];
      }
    }
    if (options.dryRun || action === 'unchanged') {
      changes.push({ ref, action, diff, object: desired });
      continue;
    }
    const plan = {
      ...planOf(target, desired, before, reasons),
      probe: { kind: 'mesh-object', cluster: target.cluster, object: desired } satisfies ChangeProbe,
    };
    await recordedChange(ports, caller, plan, () => ports.mesh.apply(target.cluster, desired)).catch((err: unknown) => {
      throw conflictOf(err, desired);
    });
    changes.push({ ref, action, diff, object: desired });
  }
  return changes;
}

/**
 * A 409 on an apply: another field manager owns a field hms-sys sets, with another value (the
 * server's Status names the manager and the field). hms-sys does not force it; the answer names the object.
 */
function conflictOf(err: unknown, desired: KubeObject): unknown {
  if (!(err instanceof ClusterConflictError)) return err;
  return new ConflictError(
    `${nameOf(refOf(desired))}: ${err.message}. hms-sys applies without force, so it does not take over a field another manager set; remove that field's other owner (or the object) and apply again`,
    `${desired.kind}/${desired.metadata.name}`,
    'field_owned_by_another_manager',
  );
}

function planOf(target: ServiceTarget, desired: KubeObject, before: KubeObject | null, reasons: string[]) {
  return {
    action: 'mesh.apply',
    target: `${desired.kind}/${target.namespace}/${desired.metadata.name}`,
    before: forRecord(before),
    after: forRecord(desired),
    outcome: 'success' as const,
    reasons,
    serviceName: target.service,
  };
}

/**
 * Deletes the service's objects (by its labels, in every kind it can render) that the rendering no
 * longer has, each with its uid as a precondition and under its audit intent (probe mesh-object-gone).
 */
export async function pruneObjects(
  ports: MeshPorts,
  caller: Caller,
  target: ServiceTarget,
  keep: KubeObject[],
  options: ApplyObjectsOptions,
): Promise<ObjectChange[]> {
  const kept = new Set(keep.map((o) => nameOf(refOf(o))));
  const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${SERVICE_LABEL}=${target.service}`;
  const pruned: ObjectChange[] = [];
  const namespace = target.namespace;
  for (const kind of RENDERED_KINDS) {
    const type = { apiVersion: apiVersionOf(MESH_RESOURCES[kind]), kind };
    for (const found of await ports.mesh.list(target.cluster, type, namespace, selector)) {
      const ref = refOf({ ...found, metadata: { ...found.metadata, namespace } });
      const uid = found.metadata.uid;
      if (kept.has(nameOf(ref)) || !uid) continue;
      const diff = [`- ${nameOf(ref)}: no longer rendered`];
      if (options.dryRun) await ports.mesh.delete(target.cluster, ref, uid, { dryRun: true });
      else {
        const plan = {
          action: 'mesh.prune',
          target: `${ref.kind}/${ref.namespace}/${ref.name}`,
          before: forRecord(found),
          after: null,
          outcome: 'success' as const,
          reasons: [options.why, `${nameOf(ref)} is no longer rendered for ${target.service}`],
          serviceName: target.service,
          probe: { kind: 'mesh-object-gone', cluster: target.cluster, ref, uid } satisfies ChangeProbe,
        };
        await recordedChange(ports, caller, plan, () => ports.mesh.delete(target.cluster, ref, uid));
      }
      pruned.push({ ref, action: 'pruned', diff });
    }
  }
  return pruned;
}

/** The probes of applied and pruned mesh objects, for the mesh function's outbox drain (with mesh-records.ts's meshProbes). */
export function meshObjectProbes(ports: Pick<MeshPorts, 'mesh'>): ProbeAnswer {
  return async (probe) => {
    if (probe.kind === 'mesh-object') {
      const live = await ports.mesh.get(probe.cluster, refOf(probe.object));
      return live !== null && diffObjects(live, probe.object).length === 0;
    }
    if (probe.kind === 'mesh-object-gone') {
      const live = await ports.mesh.get(probe.cluster, probe.ref);
      return live === null || live.metadata.uid !== probe.uid;
    }
    return null;
  };
}
