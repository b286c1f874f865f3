/**
 * The query of a write as the API server reads it: fieldManager (required for an apply patch),
 * force (apply only) and fieldValidation; and the checks on an applied configuration.
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/ and
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
 */
import { field, isObject, type Json, type SimRequest, SimStatusError } from './request-parsing.ts';

export const APPLY_PATCH = 'application/apply-patch+yaml';

export const isApplyPatch = (req: SimRequest) => req.contentType?.split(';')[0]?.trim() === APPLY_PATCH;

const invalidOptions = (kind: string, path: string, message: string) =>
  new SimStatusError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${path}: ${message}`, {
    group: 'meta.k8s.io',
    kind,
    causes: [{ reason: 'FieldValueInvalid', message, field: path }],
  });

/** The manager of a write: fieldManager, else the user agent up to its first '/', as the API server derives it. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function writeOptions(req: SimRequest): { manager: string; force: boolean; validation: FieldValidation } {
  const apply = isApplyPatch(req);
  const kind = req.method === 'POST' ? 'CreateOptions' : req.method === 'PATCH' ? 'PatchOptions' : 'UpdateOptions';
  const given = req.query.get('fieldManager');
  if (given !== null && (given.length > 128 || !/^[\x20-\x7e]*$/.test(given))) {
    throw invalidOptions(kind, 'fieldManager', `Invalid value: ${JSON.stringify(given)}: must be at most 128 printable characters`);
  }
  if (apply && !given) throw invalidOptions(kind, 'fieldManager', 'Required value: is required for apply patch');
  const forceText = req.query.get('force');
  if (forceText !== null && !['true', 'false'].includes(forceText)) throw new SimStatusError(400, 'BadRequest', `force: invalid boolean value: ${forceText}`);
  const force = forceText === 'true';
  if (force && !apply) throw invalidOptions(kind, 'force', 'Forbidden: may not be specified for non-apply patch');
  const validation = req.query.get('fieldValidation');
  if (validation !== null && !['Strict', 'Warn', 'Ignore', ''].includes(validation)) {
    throw invalidOptions(kind, 'fieldValidation', `Unsupported value: ${JSON.stringify(validation)}: supported values: "Ignore", "Strict", "Warn"`);
  }
  const agent = req.userAgent?.split('/')[0]?.trim();
  // Warn when the request names none: https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
  return { manager: given || agent || 'unknown', force, validation: (validation || 'Warn') as FieldValidation };
}

/**
 * An applied configuration must name the object of the URL, with its apiVersion and kind, and may not
 * carry managedFields. A resourceVersion in it is a precondition. Returns it without server-set fields.
 */
export function appliedConfiguration(
  body: unknown,
  expect: { apiVersion: string; kind: string; namespace: string; name: string },
  liveVersion: string | undefined,
): Json {
  if (!isObject(body)) throw new SimStatusError(400, 'BadRequest', 'the request body must be an object');
  if (body.apiVersion !== expect.apiVersion || body.kind !== expect.kind) {
    throw new SimStatusError(
      400,
      'BadRequest',
      `the apiVersion and kind of the applied configuration (${String(body.apiVersion)}, ${String(body.kind)}) do not match the request's (${expect.apiVersion}, ${expect.kind})`,
    );
  }
  const metadata = isObject(body.metadata) ? body.metadata : {};
  if (metadata.name !== expect.name) {
    throw new SimStatusError(400, 'BadRequest', `the name of the object (${String(metadata.name)}) does not match the name on the URL (${expect.name})`);
  }
  if (metadata.namespace !== undefined && metadata.namespace !== expect.namespace) {
    throw new SimStatusError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  }
  if (metadata.managedFields !== undefined) throw new SimStatusError(400, 'BadRequest', 'metadata.managedFields must be nil');
  const version = field(body, 'metadata', 'resourceVersion');
  if (version !== undefined && version !== liveVersion) {
    throw new SimStatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${expect.kind} "${expect.name}": the object has been modified; please apply your changes to the latest version and try again`,
    );
  }
  const { status: _status, ...rest } = body;
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, ...kept } = metadata;
  return { ...rest, metadata: { ...kept, name: expect.name, namespace: expect.namespace } };
}
