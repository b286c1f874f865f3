import { canonicalJson } from '#domain/canonical-json.ts';
import { ConflictError, NotFoundError } from '#domain/errors.ts';
import type { Breaker, MeshService, Pause, RegistryEntry, TrafficPolicy } from '#domain/mesh/canonical.ts';
import { renderService } from '#domain/mesh/render.ts';
import type { RenderedSet, RenderInput } from '#domain/mesh/rendering.ts';
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
export async function renderInputFor(ports: MeshPorts, manifest: MeshService, overrides: RenderOverrides = {}): Promise<RenderInput> {
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
  return {
    service: manifest,
    mode: ports.meshConfig.mode,
    trustDomain: ports.meshConfig.trustDomain,
    policies,
    sourceNamespaces,
    ...(pause ? { pause } : {}),
    ...(breaker ? { breaker } : {}),
  };
}

export async function renderFor(ports: MeshPorts, manifest: MeshService, overrides: RenderOverrides = {}): Promise<RenderedSet> {
  return renderService(await renderInputFor(ports, manifest, overrides));
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

/** How many times a reconcile renders again when what it rendered from changed under it before it gives up with a 409. */
export const MAX_RECONCILE_PASSES = 8;

/** One pass of a reconcile: the entry and the inputs it rendered from, and what it applied. */
export interface ReconcilePass {
  entry: RegistryEntry;
  rendered: RenderedSet;
  objects: ObjectChange[];
}

/**
 * Level-triggered: renders the service from what is stored (entry, policies, pause, breaker),
 * applies and prunes, then reads the store again. When the entry's version or the rendering's
 * inputs moved meanwhile (another apply, policy, pause or breaker stored while this one wrote), it
 * renders and applies again from the latest, so whoever writes last writes what the store holds.
 * `finish` runs after each apply (the deploy flow's rule and registry write) and returns the entry's
 * version after it (its own conditional write's, if it wrote one), or null to ask for another pass (that write lost). Throws a 409 after MAX_RECONCILE_PASSES.
 */
export async function reconcileService(
  ports: MeshPorts,
  name: string,
  actor: Caller,
  options: { dryRun: boolean; why: string },
  finish?: (pass: ReconcilePass) => Promise<number | null>,
): Promise<ReconcilePass> {
  const changed = new Map<string, ObjectChange>();
  for (let pass = 0; pass < MAX_RECONCILE_PASSES; pass += 1) {
    const entry = await ports.meshStore.get('service', name);
    if (!entry) throw new NotFoundError(`service ${name} in the mesh registry`, 'service');
    const input = await renderInputFor(ports, entry.manifest);
    const rendered = renderService(input);
    const objects = await applyRendering(ports, actor, targetOf(entry), rendered, options);
    for (const o of objects) if (o.action !== 'unchanged') changed.set(`${o.ref.kind}/${o.ref.namespace}/${o.ref.name}`, o);
    // An object an earlier pass changed is reported as that pass changed it.
    const merged = objects.map((o) => changed.get(`${o.ref.kind}/${o.ref.namespace}/${o.ref.name}`) ?? o);
    const result = { entry, rendered, objects: merged };
    if (options.dryRun) return result;
    const expected = finish ? await finish(result) : entry.version;
    if (expected === null) continue;
    const after = await ports.meshStore.get('service', name);
    if (!after) throw new NotFoundError(`service ${name} in the mesh registry`, 'service');
    if (after.version === expected && canonicalJson(await renderInputFor(ports, after.manifest)) === canonicalJson(input)) return { ...result, entry: after };
  }
  throw new ConflictError(
    `mesh service ${name} kept changing while hms-sys applied it (${MAX_RECONCILE_PASSES} renderings): the last writer finishes it; apply again to check`,
    'name',
    'concurrent_change',
  );
}

/**
 * Re-renders a registered service from its stored manifest, policies, pause and breaker, applies
 * the objects and prunes what it no longer renders: how a policy, a pause or a breaker reaches
 * the cluster with no restart. Idempotent: a repeat finds every object unchanged. Reconciles until
 * what it rendered from is still what is stored (reconcileService).
 */
export async function reapplyService(ports: MeshPorts, name: string, actor: Caller, options: { dryRun: boolean; why: string }): Promise<ObjectChange[]> {
  return (await reconcileService(ports, name, actor, options)).objects;
}
