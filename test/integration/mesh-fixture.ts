import { readFileSync } from 'node:fs';
import type { ObjectRef } from '#domain/mesh/canonical.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import type { Fixture, HttpAnswer } from './sandbox-fixture.ts';

/** A seed's file as the chapters name it, from test/fixtures/seeds. */
export const seed = (path: string): string => readFileSync(new URL(`../fixtures/seeds/${path}`, import.meta.url), 'utf8');

/** Sends a file's own text, as `hms-sys apply` and the README's curl do. */
export async function sendFile(sb: Fixture, path: string, text: string, contentType = 'application/yaml', token?: string): Promise<HttpAnswer> {
  const res = await fetch(`${sb.sandbox.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token ?? sb.sandbox.tokens.admin}`, 'content-type': contentType },
    body: text,
  });
  const body = await res.text();
  return { status: res.status, body: body ? JSON.parse(body) : null };
}

/** An object in the simulator, read over HTTPS by the mesh function's own adapter, as kubectl would read it. */
export const live = (sb: Fixture, ref: ObjectRef): Promise<KubeObject | null> => sb.sandbox.mesh.ports.mesh.get('sandbox', ref);

/** Every object of the kinds hms-sys renders that carries a service's label, as `kubectl get ... -l hms-sys.io/service=NAME`. */
export async function labelled(sb: Fixture, namespace: string, service: string): Promise<KubeObject[]> {
  const kinds = [
    ['apps/v1', 'Deployment'],
    ['v1', 'Service'],
    ['networking.istio.io/v1', 'ServiceEntry'],
    ['networking.istio.io/v1', 'DestinationRule'],
    ['networking.istio.io/v1', 'VirtualService'],
    ['security.istio.io/v1', 'PeerAuthentication'],
    ['security.istio.io/v1', 'AuthorizationPolicy'],
  ] as const;
  const lists = await Promise.all(
    kinds.map(([apiVersion, kind]) => sb.sandbox.mesh.ports.mesh.list('sandbox', { apiVersion, kind }, namespace, `hms-sys.io/service=${service}`)),
  );
  return lists.flat();
}
