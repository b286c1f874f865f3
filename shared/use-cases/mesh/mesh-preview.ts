import type { Breaker, Pause, RegistryEntry } from '#domain/mesh/canonical.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { renderService } from '#domain/mesh/render.ts';
import type { MeshPorts } from '#ports/ports.ts';
import type { ObjectChange } from './apply-result.ts';

/** A VirtualService's http route names, in order. */
const routeNames = (object: KubeObject | undefined): string[] =>
  ((object?.spec as { http?: { name?: string }[] } | undefined)?.http ?? []).map((route, index) => route.name ?? `#${index}`);

type RenderState = { pause?: Pause | undefined; breaker?: Breaker | undefined };

/**
 * What a pause, a resume or an open breaker would change, for a dry run: the service rendered in
 * the state `from` and in the state `to`, and each object that differs, with its routes before and
 * after. Nothing is applied; only the first http route of the VirtualService changes, so that is
 * what the diff names.
 */
export async function previewChange(ports: MeshPorts, entry: RegistryEntry, from: RenderState, to: RenderState): Promise<ObjectChange[]> {
  const [policies, services] = await Promise.all([ports.meshStore.list('policy'), ports.meshStore.list('service')]);
  const input = {
    service: entry.manifest,
    mode: ports.meshConfig.mode,
    trustDomain: ports.meshConfig.trustDomain,
    policies: policies.map((p) => p.policy).filter((p) => p.spec.destination === entry.name),
    sourceNamespaces: Object.fromEntries(services.map((s) => [s.name, s.namespace])),
  };
  const render = (state: RenderState) =>
    renderService({ ...input, ...(state.pause ? { pause: state.pause } : {}), ...(state.breaker ? { breaker: state.breaker } : {}) }).objects;
  const now = render(from);
  const next = render(to);
  const changes: ObjectChange[] = [];
  for (const object of next) {
    const before = now.find((o) => o.kind === object.kind && o.metadata.name === object.metadata.name);
    if (JSON.stringify(before) === JSON.stringify(object)) continue;
    const ref = { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace ?? entry.namespace, name: object.metadata.name };
    const diff = object.kind === 'VirtualService' ? [`http routes: ${routeNames(before).join(', ')} -> ${routeNames(object).join(', ')}`] : ['changed'];
    changes.push({ ref, action: before ? 'configured' : 'created', diff, object });
  }
  return changes;
}
