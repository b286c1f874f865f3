import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeCall } from '#adapters/aws/kubernetes-calls.ts';
import { KubernetesMesh, MESH_CALLS, MESH_ROOT_CERT_CONFIGMAP } from '#adapters/aws/kubernetes-mesh.ts';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import type { MeshService } from '#domain/mesh/canonical.ts';
import { type KubeObject, RENDERED_KINDS } from '#domain/mesh/kube-resources.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import { renderService } from '#domain/mesh/render.ts';

const TOKEN = 'mesh-calls-token';
const SEEDS = path.resolve(import.meta.dirname, '../../fixtures/seeds');
const ISTIO_NAMESPACE = 'istio-system';
const key = (c: Pick<KubeCall, 'verb' | 'group' | 'resource' | 'scope'>) => `${c.scope} ${c.verb} ${c.group}/${c.resource}`;

/** The RBAC view of one request: verb, group, resource, scope (Istio's namespace apart), and the object's name. */
function callOf(method: string, url: string): { call: string; name: string | undefined } {
  const { pathname } = new URL(url, 'http://api');
  const match = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(pathname);
  if (!match) throw new Error(`not a namespaced resource path: ${pathname}`);
  const [, group = '', namespace, resource = '', name] = match;
  const verbs: Record<string, KubeCall['verb']> = { POST: 'create', PATCH: 'patch', DELETE: 'delete' };
  const verb = verbs[method] ?? (name === undefined ? 'list' : 'get');
  const scope = namespace === ISTIO_NAMESPACE ? 'istio-namespace' : 'workload-namespace';
  return { call: key({ verb, group, resource, scope }), name };
}

function rendered(file: string, image?: string): KubeObject[] {
  const manifest = parseManifest(fs.readFileSync(`${SEEDS}/${file}`, 'utf8'), { defaultNamespace: 'irs' }).document as MeshService;
  if (image) manifest.spec.image = image;
  return renderService({ service: manifest, mode: 'sidecar', trustDomain: 'cluster.local', policies: [], sourceNamespaces: {} }).objects;
}

describe('each MeshCluster method makes exactly the calls kubernetes-mesh.ts declares (the RBAC group hms-sys:mesh is derived from them)', () => {
  const recorded = new Map<string, Set<string>>();
  const names = new Map<string, Set<string>>();
  let sim: K8sSimulator;

  beforeAll(async () => {
    sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0 });
    const mesh = new KubernetesMesh({ endpointFor: async () => ({ url: sim.url }), tokenFor: async () => TOKEN });
    let current: string | null = null;
    sim.onRequest((e) => {
      if (!current) return;
      const { call, name } = callOf(e.method, e.path);
      recorded.set(current, (recorded.get(current) ?? new Set()).add(call));
      if (name && /configmaps|secrets/.test(call)) names.set(call, (names.get(call) ?? new Set()).add(name));
    });
    const run = async (method: string, call: () => Promise<unknown>) => {
      current = method;
      await call();
      current = null;
    };
    // Chapter 10's file renders a DestinationRule; with an image it renders a Deployment too: every kind.
    const objects = rendered('manifests/notification.yaml', 'ghcr.io/gov/notification:1.0');
    expect(new Set(objects.map((o) => o.kind))).toEqual(new Set(RENDERED_KINDS));
    const applied: KubeObject[] = [];
    for (const o of objects) await run('apply', async () => applied.push(await mesh.apply('local', o)));
    for (const o of applied) {
      const ref = { apiVersion: o.apiVersion, kind: o.kind, namespace: 'irs', name: o.metadata.name };
      await run('get', () => mesh.get('local', ref));
      await run('list', () => mesh.list('local', ref, 'irs', 'hms-sys.io/service=notification-svc'));
    }
    await run('get', () => mesh.get('local', { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'irs', name: MESH_ROOT_CERT_CONFIGMAP }));
    await run('readyEndpoints', () => mesh.readyEndpoints('local', 'irs', 'notification-svc'));
    for (const o of applied) {
      await run('delete', () => mesh.delete('local', { apiVersion: o.apiVersion, kind: o.kind, namespace: 'irs', name: o.metadata.name }, o.metadata.uid!));
    }
  });
  afterAll(() => sim.close());

  it('every declared method was exercised', () => {
    expect([...recorded.keys()].sort()).toEqual(Object.keys(MESH_CALLS).sort());
  });

  it.each(Object.keys(MESH_CALLS) as (keyof typeof MESH_CALLS)[])('%s', (method) => {
    expect([...recorded.get(method)!].sort()).toEqual(MESH_CALLS[method].map(key).sort());
  });

  it('reads only the ConfigMap its calls name (resourceNames)', () => {
    for (const call of MESH_CALLS.get.filter((c) => c.resourceNames)) expect([...(names.get(key(call)) ?? [])]).toEqual(call.resourceNames);
  });

  it("declares no Secret and nothing in Istio's namespace: the cacerts Secret holds the mesh CA's signing key", () => {
    const declared = Object.values(MESH_CALLS).flat();
    expect(declared.filter((c) => c.resource === 'secrets' || c.scope === 'istio-namespace')).toEqual([]);
  });
});
