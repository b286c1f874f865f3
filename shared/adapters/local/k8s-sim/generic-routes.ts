/**
 * Routes of the kinds kept whole (generic-kinds.ts): list (one namespace or all, labelSelector,
 * fieldSelector, pages, Tables), get, create, patch (server-side apply or merge patch), delete with
 * preconditions; every write may be a dry run (?dryRun=All).
 */
import { randomUUID } from 'node:crypto';
import { apiVersionOf } from '#domain/mesh/kube-resources.ts';
import { appliedConfiguration, isApplyPatch, writeOptions } from './apply-options.ts';
import { isDryRun } from './dry-run.ts';
import { derivedSlices } from './endpoint-slices.ts';
import { applyConfiguration, contentOf, recordUpdate, specOf, type WriteContext } from './field-manager.ts';
import { GENERIC_KINDS, type GenericKind } from './generic-kinds.ts';
import { GENERIC_PRINTERS } from './generic-tables.ts';
import { pruneFields } from './istio-fields.ts';
import { rootCertConfigMaps } from './mesh-root-ca.ts';
import { namespaces } from './namespaces.ts';
import { renderList, renderStatus } from './render.ts';
import {
  alreadyExists,
  applyPatch,
  field,
  isObject,
  type Json,
  metadataFilter,
  nameIn,
  notFound,
  objectBody,
  page,
  type SimRequest,
  type SimResponse,
  SimStatusError,
} from './request-parsing.ts';
import type { SimState } from './state.ts';
import { renderTable, tableVersion } from './tables.ts';

type Handler = (state: SimState, req: SimRequest, ns: string, name: string) => SimResponse;
export interface Route {
  pattern: RegExp;
  clusterScoped?: true;
  handlers: Record<string, Handler>;
}

const escapeDots = (s: string) => s.replace(/[.]/g, '\\.');
const resourceName = (kind: GenericKind) => (kind.resource.group ? `${kind.resource.plural}.${kind.resource.group}` : kind.resource.plural);

/** The routes of every generic kind. */
export function genericRoutes(): Route[] {
  return GENERIC_KINDS.flatMap((kind): Route[] => {
    const r = kind.resource;
    const base = r.group ? `/apis/${escapeDots(r.group)}/${r.version}` : `/api/${r.version}`;
    return [
      { pattern: new RegExp(`^${base}/${r.plural}$`), clusterScoped: true as const, handlers: { GET: (s, q) => list(kind, s, q, undefined) } },
      {
        pattern: new RegExp(`^${base}/namespaces/([^/]+)/${r.plural}$`),
        handlers: { GET: (s, q, ns) => list(kind, s, q, ns), POST: (s, q, ns) => create(kind, s, q, ns) },
      },
      {
        pattern: new RegExp(`^${base}/namespaces/([^/]+)/${r.plural}/([^/]+)$`),
        handlers: {
          GET: (s, q, ns, name) => get(kind, s, q, ns, name),
          PATCH: (s, q, ns, name) => patch(kind, s, q, ns, name),
          DELETE: (s, q, ns, name) => remove(kind, s, q, ns, name),
        },
      },
    ];
  });
}

function list(kind: GenericKind, state: SimState, req: SimRequest, ns: string | undefined): SimResponse {
  const matches = metadataFilter(req.query);
  const all = objectsOf(kind, state, ns).filter((o) => {
    const metadata = o.metadata as { name: string; namespace: string; labels?: Record<string, string> };
    return matches(metadata);
  });
  const { items, continueToken } = page(all, req.query);
  const table = tableVersion(req);
  const printer = GENERIC_PRINTERS[kind.resource.plural]!;
  if (table) return { status: 200, body: renderTable(state, req, table, printer, items, continueToken) };
  return { status: 200, body: renderList(`${kind.resource.kind}List`, apiVersionOf(kind.resource), state.resourceVersion, items, continueToken) };
}

/** Stored objects, and for EndpointSlices the controller's own (endpoint-slices.ts). */
export function objectsOf(kind: GenericKind, state: SimState, ns: string | undefined): Json[] {
  const stored = state.objects.list(kind.resource.plural, ns);
  if (kind.resource.plural === 'endpointslices') return [...derivedSlices(state, ns), ...stored];
  if (kind.resource.plural !== 'configmaps') return stored;
  const all = namespaces(state);
  const derived = rootCertConfigMaps(state, ns === undefined ? all : all.filter((n) => n === ns));
  return [...stored, ...derived].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

const keyOf = (o: Json) => `${String(field(o, 'metadata', 'namespace'))}/${String(field(o, 'metadata', 'name'))}`;

function existing(kind: GenericKind, state: SimState, ns: string, name: string): Json {
  const derived = () =>
    ['endpointslices', 'configmaps'].includes(kind.resource.plural) ? objectsOf(kind, state, ns).find((o) => field(o, 'metadata', 'name') === name) : undefined;
  const found = state.objects.get(kind.resource.plural, ns, name) ?? derived();
  if (!found) throw notFound(resourceName(kind), name);
  return found;
}

function get(kind: GenericKind, state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const object = existing(kind, state, ns, name);
  const table = tableVersion(req);
  if (table) return { status: 200, body: renderTable(state, req, table, GENERIC_PRINTERS[kind.resource.plural]!, [object]) };
  return { status: 200, body: object };
}

const contextOf = (kind: GenericKind, state: SimState, manager: string): WriteContext => ({
  manager,
  apiVersion: apiVersionOf(kind.resource),
  now: state.timestamp(),
  schema: kind.schema,
});

function create(kind: GenericKind, state: SimState, req: SimRequest, ns: string): SimResponse {
  const body = objectBody(req);
  const { manager } = writeOptions(req);
  const name = nameIn(body, ns);
  if (body.apiVersion !== apiVersionOf(kind.resource) || body.kind !== kind.resource.kind) {
    throw new SimStatusError(400, 'BadRequest', `the object's apiVersion and kind must be ${apiVersionOf(kind.resource)} ${kind.resource.kind}`);
  }
  if (state.objects.get(kind.resource.plural, ns, name)) throw alreadyExists(resourceName(kind), name);
  const { status: _status, ...rest } = structuredClone(body);
  const metadata = isObject(rest.metadata) ? rest.metadata : {};
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, managedFields: _m, ...kept } = metadata;
  const object: Json = { ...rest, metadata: { ...kept, name, namespace: ns } };
  const warnings = dropUnknown(kind, object, req);
  return withWarnings(store(kind, state, req, undefined, object, recordUpdate(undefined, object, contextOf(kind, state, manager))), warnings);
}

function patch(kind: GenericKind, state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const { manager, force } = writeOptions(req);
  const live = state.objects.get(kind.resource.plural, ns, name);
  const ctx = contextOf(kind, state, manager);
  if (isApplyPatch(req)) {
    const expect = { apiVersion: apiVersionOf(kind.resource), kind: kind.resource.kind, namespace: ns, name };
    const applied = appliedConfiguration(req.body, expect, field(live, 'metadata', 'resourceVersion') as string | undefined);
    kind.keyDefaults?.(applied);
    const warnings = dropUnknown(kind, applied, req);
    const { object, changed } = applyConfiguration(live, applied, ctx, force);
    if (live && !changed) return withWarnings({ status: 200, body: live }, warnings);
    return withWarnings(store(kind, state, req, live, object, (object.metadata as Json).managedFields as unknown[]), warnings);
  }
  if (!live) throw notFound(resourceName(kind), name);
  if (kind.resource.group !== '' && req.contentType?.startsWith('application/strategic-merge-patch+json')) {
    // A custom resource has no strategic merge: the API server answers 415.
    throw new SimStatusError(
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  }
  const meta = { name, resourceVersion: String(field(live, 'metadata', 'resourceVersion')) };
  const merged = applyPatch(req, structuredClone(live), meta, resourceName(kind));
  const warnings = dropUnknown(kind, merged, req);
  if (contentOf(merged) === contentOf(live)) return withWarnings({ status: 200, body: live }, warnings);
  return withWarnings(store(kind, state, req, live, merged, recordUpdate(live, merged, ctx)), warnings);
}

/**
 * Fields the schema does not declare: with fieldValidation=Strict a 400 naming them all; otherwise
 * dropped, with a warning each unless Ignore. https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
 */
function dropUnknown(kind: GenericKind, object: Json, req: SimRequest): string[] {
  const unknown = kind.unknownFields?.(object) ?? [];
  if (unknown.length === 0) return [];
  const { validation } = writeOptions(req);
  if (validation === 'Strict') {
    throw new SimStatusError(400, 'BadRequest', `strict decoding error: ${unknown.map((path) => `unknown field "${path}"`).join(', ')}`);
  }
  pruneFields(object, unknown);
  return validation === 'Warn' ? unknown.map((path) => `unknown field "${path}"`) : [];
}

const withWarnings = (response: SimResponse, warnings: string[]): SimResponse => (warnings.length > 0 ? { ...response, warnings } : response);

/** Defaults, validates and stores a write (or answers it as stored, on a dry run). */
function store(kind: GenericKind, state: SimState, req: SimRequest, live: Json | undefined, object: Json, managedFields: unknown[]): SimResponse {
  kind.defaults(object, live, () => state.objects.allocateClusterIp());
  kind.validate(object, live);
  const metadata = object.metadata as Json;
  metadata.managedFields = managedFields;
  metadata.uid = live ? field(live, 'metadata', 'uid') : randomUUID();
  metadata.creationTimestamp = live ? field(live, 'metadata', 'creationTimestamp') : state.timestamp();
  if (kind.generation) {
    const generation = Number(field(live, 'metadata', 'generation') ?? 0);
    metadata.generation = !live ? 1 : specOf(object) === specOf(live) ? generation : generation + 1;
  }
  if (isDryRun(req)) {
    metadata.resourceVersion = live ? field(live, 'metadata', 'resourceVersion') : undefined;
    return { status: live ? 200 : 201, body: object };
  }
  return { status: live ? 200 : 201, body: state.objects.put(kind.resource.plural, object) };
}

/** Deletes at once; DeleteOptions.preconditions uid and resourceVersion are checked first. */
function remove(kind: GenericKind, state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const object = existing(kind, state, ns, name);
  const preconditions = field(req.body, 'preconditions');
  for (const [key, label] of [
    ['uid', 'UID'],
    ['resourceVersion', 'ResourceVersion'],
  ] as const) {
    const expected = field(preconditions, key);
    const actual = field(object, 'metadata', key);
    if (expected !== undefined && expected !== actual) {
      throw new SimStatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${resourceName(kind)} "${name}": Precondition failed: ${label} in precondition: ${String(expected)}, ${label} in object meta: ${String(actual)}`,
        { name, group: kind.resource.group, kind: kind.resource.plural },
      );
    }
  }
  if (!isDryRun(req)) state.objects.remove(kind.resource.plural, ns, name);
  const status = renderStatus(200, '', '', { name, group: kind.resource.group, kind: kind.resource.plural, uid: field(object, 'metadata', 'uid') });
  return { status: 200, body: { ...status, status: 'Success', message: undefined, reason: undefined } };
}
