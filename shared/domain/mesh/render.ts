/**
 * renderService: one service's Kubernetes and Istio objects, a pure function of its canonical manifest,
 * the TrafficPolicies whose destination it is, and any pause or open breaker. Every mapping from the
 * seeds' words to Istio's is said in words in `reasons`. A rendering that fails istio-checks.ts throws
 * before anything is applied.
 */
import { UnprocessableError } from '../errors.ts';
import type { TrafficPolicy } from './canonical.ts';
import { checkObjects } from './istio-checks.ts';
import { type KubeObject, RENDERED_KINDS } from './kube-resources.ts';
import { breakerAlarmOf, renderDestinationRule, renderServiceEntry } from './render-destination.ts';
import { renderVirtualService } from './render-routes.ts';
import { renderAuthorizationPolicies, renderPeerAuthentication } from './render-security.ts';
import { renderDeployment, renderKubeService } from './render-workload.ts';
import type { RenderedSet, RenderInput } from './rendering.ts';

export { BREAKER_BODY, DEFAULT_RETRY_ON, meshHostOf, PAUSE_BODY, RETRY_ON } from './render-routes.ts';
export { podLabelsOf } from './render-workload.ts';

/** The policies that apply to this destination, in name order so the rendering never depends on arrival order. */
function policiesFor(input: RenderInput): TrafficPolicy[] {
  const name = input.service.metadata.name;
  return input.policies
    .filter((p) => p.spec.destination === name)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}

export function renderService(input: RenderInput): RenderedSet {
  const { service, mode, trustDomain, sourceNamespaces } = input;
  const policies = policiesFor(input);
  const reasons: string[] = [];
  const objects: (KubeObject | undefined)[] = [
    renderDeployment(service, mode, reasons),
    renderKubeService(service, reasons),
    renderServiceEntry(service, reasons),
    renderDestinationRule(service, policies, reasons),
    renderVirtualService({ ...input, policies }, policies, reasons),
    renderPeerAuthentication(service, reasons),
    ...renderAuthorizationPolicies(service, mode, policies, sourceNamespaces, trustDomain, reasons),
  ];
  if (mode === 'ambient') {
    reasons.push(
      'Ambient mode: ztunnel enforces mTLS and the AuthorizationPolicy; the VirtualService and DestinationRule (routes, retries, timeouts, the 503 answers) take effect only through a waypoint proxy serving the Service (istio.io/use-waypoint).',
    );
  }
  const rendered = objects.filter((o): o is KubeObject => o !== undefined);
  rendered.sort((a, b) => RENDERED_KINDS.indexOf(a.kind as never) - RENDERED_KINDS.indexOf(b.kind as never));

  const issues = checkObjects(rendered);
  const first = issues[0];
  if (first) {
    const all = issues.map((i) => `${i.object} ${i.path}: ${i.message}`).join('; ');
    throw new UnprocessableError('invalid_rendering', `the rendered objects would be refused: ${all}`, `${first.object}:${first.path}`);
  }

  const result: RenderedSet = { objects: rendered, reasons };
  const { scaling } = service.spec;
  if (scaling) {
    result.autoscale = scaling;
    reasons.push(`scaling ${scaling.min}-${scaling.max} is an hms-sys autoscale rule on CPU at ${scaling.cpuPercent}%, not a HorizontalPodAutoscaler.`);
  }
  const breakerAlarm = breakerAlarmOf(service, policies, reasons);
  if (breakerAlarm) result.breakerAlarm = breakerAlarm;
  return result;
}
