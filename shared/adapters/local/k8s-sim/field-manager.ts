/**
 * Server-side apply and the bookkeeping of other writes, over field sets (field-sets.ts), as the API
 * server's field manager does it: https://kubernetes.io/docs/reference/using-api/server-side-apply/
 * - an apply sets the fields of its configuration; a field another manager owns with another value
 *   is a 409 Conflict naming the field and the manager, unless force=true takes it over;
 * - a field the manager applied before and no longer applies is removed, unless another manager owns it;
 * - a create, update or non-apply patch gives its manager (operation Update) the fields it changed
 *   and takes them from every other manager.
 */
import {
  canonical,
  describePath,
  type FieldKey,
  fieldSetOf,
  fromFieldsV1,
  isWithin,
  type KindSchema,
  mergeApplied,
  removeAt,
  toFieldsV1,
  valueAt,
} from './field-sets.ts';
import { isObject, type Json, SimStatusError } from './request-parsing.ts';

export interface ManagedEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Json;
  subresource?: string;
}

interface Owner {
  entry: ManagedEntry;
  fields: Set<FieldKey>;
}

export interface WriteContext {
  manager: string;
  apiVersion: string;
  /** RFC 3339 to the second, as managedFields times are. */
  now: string;
  schema: KindSchema;
}

/** The object without its server-kept metadata, to tell whether a write changed it. */
export function contentOf(object: Json): string {
  const metadata = isObject(object.metadata) ? { ...object.metadata } : {};
  for (const key of ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp']) delete metadata[key];
  return canonical({ ...object, metadata });
}

/** The spec as generation counts it: everything but metadata and status. */
export function specOf(object: Json): string {
  const { metadata: _m, status: _s, ...rest } = object;
  return canonical(rest);
}

function ownersOf(object: Json | undefined): Owner[] {
  const entries = object && isObject(object.metadata) && Array.isArray(object.metadata.managedFields) ? (object.metadata.managedFields as ManagedEntry[]) : [];
  return entries.map((entry) => ({ entry, fields: fromFieldsV1(entry.fieldsV1) }));
}

function entriesOf(owners: Owner[]): ManagedEntry[] {
  return owners.filter((o) => o.fields.size > 0).map((o) => ({ ...o.entry, fieldsV1: toFieldsV1(o.fields) }));
}

/**
 * Applies `applied` as `ctx.manager` over `live` (undefined: the object is created). Returns the
 * object with its managedFields; `changed` is false when nothing at all moved (a repeated apply).
 */
export function applyConfiguration(live: Json | undefined, applied: Json, ctx: WriteContext, force: boolean): { object: Json; changed: boolean } {
  const owners = ownersOf(live);
  const appliedFields = fieldSetOf(applied, ctx.schema);
  const isElement = (key: FieldKey) => (JSON.parse(key) as string[]).at(-1)!.startsWith('k:');
  const others = owners.filter((o) => !(o.entry.manager === ctx.manager && o.entry.operation === 'Apply' && !o.entry.subresource));
  const conflicts: { key: FieldKey; manager: string }[] = [];
  for (const key of appliedFields) {
    if (isElement(key) || canonical(valueAt(applied, key)) === canonical(valueAt(live, key))) continue;
    for (const other of others) if (other.fields.has(key)) conflicts.push({ key, manager: other.entry.manager });
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts, live);
  for (const { key } of conflicts) for (const other of others) other.fields.delete(key);

  const base: Json = live ? structuredClone(live) : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: {} };
  const merged = mergeApplied(base, applied, ctx.schema) as Json;
  const previous = owners.find((o) => !others.includes(o));
  // Outermost first: a list element goes before its fields, which are found by the element's key.
  const dropped = [...(previous?.fields ?? [])].filter((key) => !appliedFields.has(key)).sort((a, b) => a.length - b.length);
  for (const key of dropped) {
    const stillOwned = others.some((o) => [...o.fields].some((owned) => isWithin(owned, key) || isWithin(key, owned)));
    if (!stillOwned) removeAt(merged, key);
  }
  const sameFields = previous !== undefined && previous.fields.size === appliedFields.size && [...appliedFields].every((k) => previous.fields.has(k));
  const contentChanged = live === undefined || contentOf(merged) !== contentOf(live);
  const entry: ManagedEntry =
    previous && sameFields && !contentChanged
      ? previous.entry
      : { manager: ctx.manager, operation: 'Apply', apiVersion: ctx.apiVersion, time: ctx.now, fieldsType: 'FieldsV1', fieldsV1: {} };
  const mine: Owner = { entry, fields: appliedFields };
  const managedFields = entriesOf(previous ? owners.map((o) => (o === previous ? mine : o)) : [...owners, mine]);
  (merged.metadata as Json).managedFields = managedFields;
  const ownersMoved = canonical(managedFields) !== canonical(entriesOf(ownersOf(live)));
  return { object: merged, changed: contentChanged || ownersMoved };
}

/** The managedFields after a create, update or non-apply patch by `ctx.manager`: it owns what it changed. */
export function recordUpdate(live: Json | undefined, next: Json, ctx: WriteContext): ManagedEntry[] {
  const owners = ownersOf(live);
  const nextFields = fieldSetOf(next, ctx.schema);
  const liveFields = live ? fieldSetOf(live, ctx.schema) : new Set<FieldKey>();
  const changed = [...nextFields].filter((key) => !liveFields.has(key) || canonical(valueAt(next, key)) !== canonical(valueAt(live, key)));
  const removed = [...liveFields].filter((key) => !nextFields.has(key));
  for (const owner of owners) {
    for (const key of [...owner.fields]) if (changed.includes(key) || removed.some((gone) => isWithin(key, gone))) owner.fields.delete(key);
  }
  if (changed.length > 0) {
    let mine = owners.find((o) => o.entry.manager === ctx.manager && o.entry.operation === 'Update' && !o.entry.subresource);
    if (!mine) {
      mine = {
        entry: { manager: ctx.manager, operation: 'Update', apiVersion: ctx.apiVersion, time: ctx.now, fieldsType: 'FieldsV1', fieldsV1: {} },
        fields: new Set(),
      };
      owners.push(mine);
    }
    mine.entry = { ...mine.entry, time: ctx.now };
    for (const key of changed) mine.fields.add(key);
  }
  return entriesOf(owners);
}

/** 409 Conflict as the API server words it, with a FieldManagerConflict cause per field. */
function conflictError(conflicts: { key: FieldKey; manager: string }[], live: Json | undefined): SimStatusError {
  const byManager = new Map<string, string[]>();
  for (const { key, manager } of conflicts) byManager.set(manager, [...(byManager.get(manager) ?? []), describePath(key)]);
  const parts = [...byManager].map(([manager, paths]) =>
    paths.length === 1 ? `conflict with "${manager}": ${paths[0]}` : `conflicts with "${manager}":\n${paths.map((p) => `- ${p}`).join('\n')}`,
  );
  const count = conflicts.length;
  const metadata = isObject(live?.metadata) ? live.metadata : {};
  return new SimStatusError(409, 'Conflict', `Apply failed with ${count} conflict${count === 1 ? '' : 's'}: ${parts.join('\n')}`, {
    name: metadata.name,
    causes: conflicts.map(({ key, manager }) => ({ reason: 'FieldManagerConflict', message: `conflict with "${manager}"`, field: describePath(key) })),
  });
}
