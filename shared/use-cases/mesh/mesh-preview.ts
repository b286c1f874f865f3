import type { Breaker, Pause, RegistryEntry } from '#domain/mesh/canonical.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { diffObjects } from '#domain/mesh/object-diff.ts';
import { renderService } from '#domain/mesh/render.ts';
import type { MeshPorts } from '#ports/ports.ts';
import { readLive, refOf } from './apply-objects.ts';
import type { ObjectChange } from './apply-result.ts';

/** A VirtualService's http route names, in order. */
const routeNames = (object: KubeObject | null | undefined): string[] =>
  ((object?.spec as { http?: { name?: string }[] } | undefined)?.http ?? []).map((route, index) => route.name ?? `#${index}`);

const touchesRoutes = (line: string) => /^[+~-] spec\.http\b/.test(line);

/**
 * A change of a VirtualService's routes in words, `http routes: pause, default -> default`, in place
 * of the diff lines of spec.http (a whole route list as JSON); other lines are kept.
 */
export function readableRoutes(change: ObjectChange, before: KubeObject | null): ObjectChange {
  if (change.ref.kind !== 'VirtualService' || !change.object || !change.diff.some(touchesRoutes)) return change;
  const summary = `http routes: ${routeNames(before).join(', ') || '(none)'} -> ${routeNames(change.object).join(', ')}`;
  return { ...change, diff: [summary, ...change.diff.filter((line) => !touchesRoutes(line))] };
}

/**
 * Runs a pause's or resume's apply and says its VirtualService change in words: the live
 * VirtualService is read first, so the routes before are the cluster's.
 */
export async function withReadableRoutes(ports: MeshPorts, entry: RegistryEntry, apply: () => Promise<ObjectChange[]>): Promise<ObjectChange[]> {
  const ref = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: entry.namespace, name: entry.name };
  const before = await ports.mesh.get(entry.cluster, ref).catch(() => null);
  return (await apply()).map((change) => (change.ref.name === entry.name ? readableRoutes(change, before) : change));
}

type RenderState = { pause?: Pause | undefined; breaker?: Breaker | undefined };

/**
 * What a pause, a resume or an open breaker would change, for a dry run: the service rendered in
 * the state `to`, each object diffed against the cluster's live one as apply's dry run does (so a
 * pause of a paused service changes nothing), a VirtualService's routes named before and after.
 * Nothing is applied.
 */
export async function previewChange(ports: MeshPorts, entry: RegistryEntry, to: RenderState): Promise<ObjectChange[]> {
  const [policies, services] = await Promise.all([ports.meshStore.list('policy'), ports.meshStore.list('service')]);
  const next = renderService({
    service: entry.manifest,
    mode: ports.meshConfig.mode,
    trustDomain: ports.meshConfig.trustDomain,
    policies: policies.map((p) => p.policy).filter((p) => p.spec.destination === entry.name),
    sourceNamespaces: Object.fromEntries(services.map((s) => [s.name, s.namespace])),
    ...(to.pause ? { pause: to.pause } : {}),
    ...(to.breaker ? { breaker: to.breaker } : {}),
  }).objects;
  const live = await readLive(ports, entry.cluster, next);
  const changes: ObjectChange[] = [];
  next.forEach((object, i) => {
    const diff = diffObjects(live[i] ?? null, object);
    if (live[i] && diff.length === 0) return;
    const ref = { ...refOf(object), namespace: object.metadata.namespace ?? entry.namespace };
    changes.push(readableRoutes({ ref, action: live[i] ? 'configured' : 'created', diff, object }, live[i] ?? null));
  });
  return changes;
}
