/**
 * What a Deployment patch may change beyond the spec fields routes.ts keeps: metadata.labels and
 * metadata.annotations are stored; any other field the simulator does not model is refused with a
 * 422 naming it, rather than answered 200 and dropped.
 */
import { field, isObject, type Json, SimStatusError } from './request-parsing.ts';

export interface DeploymentMetadata {
  metadataLabels: Record<string, string>;
  annotations: Record<string, string>;
}

// Label syntax (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set):
// an optional DNS-subdomain prefix and '/', a name of at most 63 characters; a value of at most 63, possibly empty.
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const validKey = (key: string) => {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  return NAME.test(key.slice(slash + 1)) && (prefix === undefined || (prefix.length <= 253 && PREFIX.test(prefix)));
};
/** Annotations may hold 256 KiB in all (ObjectMeta validation, TotalAnnotationSizeLimitB). */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** metadata.labels and metadata.annotations of a merged Deployment, validated as the API server does. */
export function metadataOf(merged: Json, name: string): DeploymentMetadata {
  const metadataLabels = stringsAt(merged, 'labels', name);
  const annotations = stringsAt(merged, 'annotations', name);
  for (const [key, value] of Object.entries(metadataLabels)) {
    if (!validKey(key))
      throw refusal(
        name,
        `metadata.labels`,
        `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      );
    if (value !== '' && !NAME.test(value))
      throw refusal(
        name,
        `metadata.labels`,
        `Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      );
  }
  for (const key of Object.keys(annotations)) {
    if (!validKey(key))
      throw refusal(
        name,
        'metadata.annotations',
        `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      );
  }
  const size = Object.entries(annotations).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > ANNOTATIONS_MAX_BYTES) throw refusal(name, 'metadata.annotations', `Too long: must have at most ${ANNOTATIONS_MAX_BYTES} bytes`);
  return { metadataLabels, annotations };
}

function stringsAt(merged: Json, key: 'labels' | 'annotations', name: string): Record<string, string> {
  const value = field(merged, 'metadata', key) ?? {};
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw refusal(name, `metadata.${key}`, 'Invalid value: must map strings to strings');
  }
  return { ...(value as Record<string, string>) };
}

/** Fields the server sets, whatever a patch says; the pod spec beyond what templateSpec keeps is accepted and not kept (README). */
const IGNORED = new Set([
  'status',
  'metadata.resourceVersion',
  'metadata.generation',
  'metadata.creationTimestamp',
  'metadata.managedFields',
  'spec.template.spec',
]);

/**
 * Refuses a patch that changed a field the simulator does not model: `merged` is the patched
 * object, `kept` the Deployment rendered from what the simulator keeps of it. The first field
 * that differs is named in a 422 Invalid Status, as the API server names a field it refuses.
 */
export function refuseUnmodeled(merged: Json, kept: Json, name: string): void {
  const path = firstDifference(normalized(merged), normalized(kept), '');
  if (path === null) return;
  // apps/v1 makes the selector immutable: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#label-selector-updates
  const message = path.startsWith('spec.selector')
    ? 'Invalid value: field is immutable'
    : 'Unsupported value: the hms-sys Kubernetes simulator does not model this field (see the README, "What the simulator implements")';
  throw refusal(name, path, message);
}

function refusal(name: string, path: string, message: string): SimStatusError {
  return new SimStatusError(422, 'Invalid', `Deployment.apps "${name}" is invalid: ${path}: ${message}`, {
    name,
    group: 'apps',
    kind: 'Deployment',
    causes: [{ reason: message.startsWith('Unsupported') ? 'FieldValueNotSupported' : 'FieldValueInvalid', message, field: path }],
  });
}

/** JSON as sent, without strategic-merge directives ($patch, $setElementOrder/...) and with empty maps as absent. */
function normalized(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalized);
  if (!isObject(value)) return value;
  const entries = Object.entries(value)
    .filter(([key]) => !key.startsWith('$'))
    .map(([key, v]) => [key, normalized(v)] as const)
    .filter(([, v]) => v !== undefined && !(isObject(v) && Object.keys(v).length === 0));
  return Object.fromEntries(entries);
}

function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (IGNORED.has(path)) return null;
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const found = firstDifference(a[key], b[key], path === '' ? key : `${path}.${key}`);
      if (found) return found;
    }
    return null;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i += 1) {
      const found = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? null : path;
}
