/**
 * AuthorizationPolicy as the destination's sidecar enforces it (Envoy's RBAC filter), for callers
 * whose workload the data plane knows. https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * - policies in the pod's namespace whose selector matches its labels (no selector: every pod), and
 *   those in the root namespace istio-system, apply;
 * - a matching DENY denies; then, if any ALLOW applies, the request must match one of its rules;
 * - a rule matches when every `from` and `to` it lists matches; source namespaces, notNamespaces
 *   and principals, and operation methods, notMethods and paths are read. A rule with anything else
 *   (when, ipBlocks, requestPrincipals, ...) never allows and always denies: never kinder than Envoy.
 * A denial is 403 "RBAC: access denied".
 */
import type { KubeObject } from '#domain/mesh/kube-resources.ts';

type Any = Record<string, any>;
const ROOT_NAMESPACE = 'istio-system';

export interface AuthzRequest {
  /** The destination pod. */
  namespace: string;
  labels: Record<string, string>;
  caller: { namespace: string; serviceAccount: string };
  method: string;
  path: string;
}

export function isAllowed(policies: KubeObject[], request: AuthzRequest): boolean {
  const applying = policies.filter((p) => {
    const ns = p.metadata.namespace ?? 'default';
    if (ns !== request.namespace && ns !== ROOT_NAMESPACE) return false;
    const spec = (p as Any).spec ?? {};
    // targetRefs attach to a Service's waypoint or a gateway, which the local data plane has none of.
    if (spec.targetRefs || spec.targetRef) return false;
    const selector: Record<string, string> = spec.selector?.matchLabels ?? {};
    return Object.entries(selector).every(([k, v]) => request.labels[k] === v);
  });
  const rulesOf = (action: string) =>
    applying.filter((p) => ((p as Any).spec?.action ?? 'ALLOW') === action).map((p) => ((p as Any).spec?.rules ?? []) as Any[]);
  if (rulesOf('DENY').some((rules) => rules.some((rule) => ruleMatches(rule, request, 'deny')))) return false;
  const allows = rulesOf('ALLOW');
  if (allows.length === 0) return true;
  return allows.some((rules) => rules.some((rule) => ruleMatches(rule, request, 'allow')));
}

const KNOWN_SOURCE = new Set(['namespaces', 'notNamespaces', 'principals']);
const KNOWN_OPERATION = new Set(['methods', 'notMethods', 'paths']);

function ruleMatches(rule: Any, request: AuthzRequest, reading: 'allow' | 'deny'): boolean {
  const unknown = Object.keys(rule).some((k) => k !== 'from' && k !== 'to');
  if (unknown) return reading === 'deny';
  const froms: Any[] = rule.from ?? [];
  const tos: Any[] = rule.to ?? [];
  const fromOk = froms.length === 0 || froms.some((f) => sourceMatches(f.source ?? {}, request, reading));
  const toOk = tos.length === 0 || tos.some((t) => operationMatches(t.operation ?? {}, request, reading));
  return fromOk && toOk;
}

function sourceMatches(source: Any, request: AuthzRequest, reading: 'allow' | 'deny'): boolean {
  if (Object.keys(source).some((k) => !KNOWN_SOURCE.has(k))) return reading === 'deny';
  const { namespace, serviceAccount } = request.caller;
  if (source.namespaces && !source.namespaces.some((n: string) => glob(n, namespace))) return false;
  if (source.notNamespaces?.some((n: string) => glob(n, namespace))) return false;
  // A principal is <trust domain>/ns/<namespace>/sa/<service account>; the trust domain is not checked here.
  if (source.principals && !source.principals.some((p: string) => glob(p.replace(/^[^/]*\/ns\//, 'ns/'), `ns/${namespace}/sa/${serviceAccount}`) || p === '*'))
    return false;
  return true;
}

function operationMatches(operation: Any, request: AuthzRequest, reading: 'allow' | 'deny'): boolean {
  if (Object.keys(operation).some((k) => !KNOWN_OPERATION.has(k))) return reading === 'deny';
  if (operation.methods && !operation.methods.some((m: string) => glob(m, request.method))) return false;
  if (operation.notMethods?.some((m: string) => glob(m, request.method))) return false;
  const path = request.path.split('?')[0] ?? '';
  if (operation.paths && !operation.paths.some((p: string) => glob(p, path))) return false;
  return true;
}

/** Istio's string match: exact, "*", a prefix with a trailing "*" or a suffix with a leading "*". */
function glob(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}
