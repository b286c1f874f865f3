import { ValidationError } from '../errors.ts';
import { MANAGED_BY_LABEL, MESH_JOIN_LABEL, MESH_MODE_LABELS, SERVICE_LABEL } from './kube-resources.ts';
import { fieldUnder } from './manifest-paths.ts';

/** Label keys hms-sys sets on every pod it renders. */
const OWN_KEYS = new Set([
  MESH_JOIN_LABEL,
  MANAGED_BY_LABEL,
  SERVICE_LABEL,
  ...Object.keys(MESH_MODE_LABELS.sidecar),
  ...Object.keys(MESH_MODE_LABELS.ambient),
]);
/** Prefixes whose labels Istio or hms-sys set or read (istio.io/rev, sidecar.istio.io/inject, security.istio.io/tlsMode, hms-sys.io/service …). */
const OWN_PREFIXES = ['istio.io', 'hms-sys.io'];

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Why a key is not a Kubernetes label key (an optional DNS subdomain prefix ≤ 253 and "/", a name ≤ 63), or null. */
export function labelKeyProblem(key: string): string | null {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return 'has a prefix that is not a DNS subdomain (like example.com)';
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return 'is not a label name: at most 63 letters, digits, "-", "_" and ".", starting and ending alphanumeric';
  }
  return null;
}

/** Why a value is not a Kubernetes label value, or null. */
export function labelValueProblem(value: string): string | null {
  return value.length <= 63 && LABEL_VALUE.test(value)
    ? null
    : 'must be a label value: at most 63 letters, digits, "-", "_" and ".", starting and ending alphanumeric';
}

const istioOrOwn = (key: string): boolean => {
  const prefix = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
  return OWN_KEYS.has(key) || OWN_PREFIXES.some((p) => prefix === p || prefix.endsWith(`.${p}`));
};

/**
 * Checks labels a manifest puts on its pods (beyond app, version and hms/mesh, which the formats read
 * themselves): Kubernetes syntax, and no key Istio or hms-sys set or read. `app` and `version` must
 * agree with the manifest's name and version. Returns the labels without app and version (hms-sys sets them).
 */
export function checkPodLabels(labels: Record<string, string>, field: string, own: { name: string; version?: string | undefined }): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    const at = fieldUnder(field, key);
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) throw new ValidationError(`${at}: the key ${keyProblem}`, at);
    const valueProblem = labelValueProblem(value);
    if (valueProblem) throw new ValidationError(`${at} ${valueProblem}`, at);
    if (key === 'app' || key === 'version') {
      const expected = key === 'app' ? own.name : own.version;
      if (value !== expected) {
        throw new ValidationError(
          `${at} must be ${expected === undefined ? 'left out (set the version instead)' : `"${expected}"`}: hms-sys labels the pods ${key}=<the manifest's ${key === 'app' ? 'name' : 'version'}>`,
          at,
          'reserved_label',
        );
      }
      continue;
    }
    if (istioOrOwn(key)) throw new ValidationError(`${at} is a label Istio or hms-sys sets or reads; leave it out`, at, 'reserved_label');
    kept[key] = value;
  }
  return kept;
}
