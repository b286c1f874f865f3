import { NotFoundError } from '#domain/errors.ts';
import type { Breaker, MeshService, Pause, RegistryEntry, TrafficPolicy } from '#domain/mesh/canonical.ts';
import { renderService } from '#domain/mesh/render.ts';
import type { RenderedSet } from '#domain/mesh/rendering.ts';
import type { Caller, MeshPorts } from '#ports/ports.ts';
import { applyObjects, pruneObjects, readLive, refuseForeign, type ServiceTarget } from './apply-objects.ts';
import type { ObjectChange } from './apply-result.ts';

/** What a rendering may be asked to use instead of what is stored: a manifest or policies being applied now. */
export interface RenderOverrides {
  /** The TrafficPolicies in force, as they will be once this apply is done (all of them; filtered by destination). */
  policies?: TrafficPolicy[];
}

/**
 * Renders a service from its manifest and what is stored around it: the TrafficPolicies whose
 * destination it is, where their sources live, and its pause and open breaker, if any.
 */
export async function renderFor(ports: MeshPorts, manifest: MeshService, overrides: RenderOverrides = {}): Promise<RenderedSet> {
  const name = manifest.metadata.name;
  const all = overrides.policies ?? (await ports.meshStore.list('policy')).map((p) => p.policy);
  const policies = all.filter((p) => p.spec.destination === name);
  const sourceNamespaces: Record<string, string> = {};
  for (const source of new Set(policies.map((p) => p.spec.source))) {
    const entry = await ports.meshStore.get('service', source);
    if (entry) sourceNamespaces[source] = entry.namespace;
  }
  // A pause or breaker past its `until` is not rendered: ending one marks it so before its record
  // goes (pause.ts, breaker.ts), so a stop between leaves nothing in force that should not be.
  const now = ports.clock.now().getTime();
  const inForce = <T extends Pause | Breaker>(record: T | null): T | null => (record && Date.parse(record.until) > now ? record : null);
  const [pause, breaker] = await Promise.all([ports.meshStore.get('pause', name).then(inForce), ports.meshStore.get('breaker', name).then(inForce)]);
  return renderService({
    service: manifest,
    mode: ports.meshConfig.mode,
    trustDomain: ports.meshConfig.trustDomain,
    policies,
    sourceNamespaces,
    ...(pause ? { pause } : {}),
    ...(breaker ? { breaker } : {}),
  });
}

/**
 * Applies a rendering whole: every live counterpart is read and checked first (a foreign object
 * refuses the lot before anything is written), then each object is applied in order, then what
 * the service no longer renders is pruned.
 */
export async function applyRendering(
  ports: MeshPorts,
  caller: Caller,
  target: ServiceTarget,
  rendered: RenderedSet,
  options: { dryRun: boolean; why: string },
): Promise<ObjectChange[]> {
  const live = await readLive(ports, target.cluster, rendered.objects);
  refuseForeign(target.service, rendered.objects, live);
  const applied = await applyObjects(ports, caller, target, rendered.objects, live, options);
  const pruned = await pruneObjects(ports, caller, target, rendered.objects, options);
  return [...applied, ...pruned];
}

export const targetOf = (entry: Pick<RegistryEntry, 'cluster' | 'name' | 'namespace'>): ServiceTarget => ({
  cluster: entry.cluster,
  service: entry.name,
  namespace: entry.namespace,
});

/**
 * Re-renders a registered service from its stored manifest, policies, pause and breaker, applies
 * the objects and prunes what it no longer renders: how a policy, a pause or a breaker reaches
 * the cluster with no restart. Idempotent: a repeat finds every object unchanged.
 */
export async function reapplyService(ports: MeshPorts, name: string, actor: Caller, options: { dryRun: boolean; why: string }): Promise<ObjectChange[]> {
  const entry = await ports.meshStore.get('service', name);
  if (!entry) throw new NotFoundError(`service ${name} in the mesh registry`, 'service');
  const rendered = await renderFor(ports, entry.manifest);
  return applyRendering(ports, actor, targetOf(entry), rendered, options);
}
