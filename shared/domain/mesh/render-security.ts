import type { MeshMode, MeshService, TrafficPolicy } from './canonical.ts';
import type { KubeObject } from './kube-resources.ts';
import { envelope, sortedUnique } from './render-common.ts';

/**
 * PeerAuthentication for the service's pods (https://istio.io/latest/docs/reference/config/security/peer_authentication/):
 * STRICT accepts only mutual TLS; PERMISSIVE also plain text. Certificates come from Istio's CA.
 */
export function renderPeerAuthentication(service: MeshService, reasons: string[]): KubeObject {
  const { name } = service.metadata;
  const mode = service.spec.mtls;
  reasons.push(
    mode === 'STRICT'
      ? `mTLS STRICT: the pods of ${name} accept only mutual TLS. Istio's CA issues and rotates the workload certificates (24 h, rotated at half-life); hms-sys issues none.`
      : `mTLS PERMISSIVE (the manifest asked for it): the pods of ${name} also accept plain text, and such callers carry no identity; hms-sys mesh status flags it.`,
  );
  return envelope('PeerAuthentication', service, { spec: { selector: { matchLabels: { app: name } }, mtls: { mode } } });
}

/**
 * An ALLOW AuthorizationPolicy (https://istio.io/latest/docs/reference/config/security/authorization-policy/):
 * once one selects the pods, a request no rule allows is denied, so callers outside the listed namespaces
 * get 403. source.namespaces comes from the caller's mTLS identity (its SPIFFE id in the trust domain).
 * In ambient mode a second one, `<name>-waypoint`, attaches the same rule to the Service (targetRefs): once a
 * waypoint serves the Service, ztunnel lets the waypoint's traffic through and only the waypoint still sees
 * the caller's identity (https://istio.io/latest/docs/ambient/usage/l4-policy/).
 */
export function renderAuthorizationPolicies(
  service: MeshService,
  mode: MeshMode,
  policies: TrafficPolicy[],
  sourceNamespaces: Record<string, string>,
  trustDomain: string,
  reasons: string[],
): KubeObject[] {
  const { name, namespace } = service.metadata;
  const crossing = policies.flatMap((p) => {
    const from = sourceNamespaces[p.spec.source];
    return from !== undefined && from !== namespace ? [{ from, policy: p.metadata.name, source: p.spec.source }] : [];
  });
  const namespaces = sortedUnique([namespace, ...service.spec.allowFrom, ...crossing.map((c) => c.from)]);
  const others = namespaces.filter((ns) => ns !== namespace);
  reasons.push(
    others.length === 0
      ? `AuthorizationPolicy ${name}: only workloads in namespace ${namespace} may call it (identities under ${trustDomain}/ns/${namespace}/); other namespaces get 403.`
      : `AuthorizationPolicy ${name}: workloads in ${namespace} and in ${others.join(', ')} may call it; other namespaces get 403.`,
  );
  for (const c of crossing) {
    reasons.push(
      `TrafficPolicy ${c.policy} lets ${c.source} in namespace ${c.from} call ${name}: the whole namespace ${c.from} is allowed, as identities are per namespace here.`,
    );
  }
  if (service.spec.mtls === 'PERMISSIVE')
    reasons.push('Plain-text callers carry no namespace, so this policy denies them even though PERMISSIVE accepts their connection.');
  const rules = () => [{ from: [{ source: { namespaces: [...namespaces] } }] }];
  const onPods = envelope('AuthorizationPolicy', service, { spec: { selector: { matchLabels: { app: name } }, action: 'ALLOW', rules: rules() } });
  if (mode !== 'ambient') return [onPods];
  reasons.push(
    `AuthorizationPolicy ${name}-waypoint: the same rule on the Service ${name} (targetRefs), enforced by its waypoint, because with a waypoint ztunnel lets the waypoint's traffic through and the pods' policy no longer sees the caller.`,
  );
  const onWaypoint = envelope('AuthorizationPolicy', service, {
    spec: { targetRefs: [{ group: '', kind: 'Service', name }], action: 'ALLOW', rules: rules() },
  });
  onWaypoint.metadata.name = `${name}-waypoint`;
  return [onPods, onWaypoint];
}
