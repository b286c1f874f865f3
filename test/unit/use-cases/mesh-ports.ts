import { readFileSync } from 'node:fs';
import { clusterDnsOf, type MeshService, meshUrlOf, type RegistryEntry } from '#domain/mesh/canonical.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import type { MeshOpsPorts, MeshPorts } from '#ports/ports.ts';
import { reapplyService } from '#use-cases/mesh/reapply.ts';
import { MemoryMeshCluster } from './memory-mesh-cluster.ts';
import { MemoryMeshStore } from './memory-mesh-store.ts';
import { MemoryScheduler, memoryPorts } from './memory-ports.ts';

export const MESH_CLUSTER = 'sandbox';
export const operator = { actor: 'user/ops@irs.gov', requestId: 'req-1' };

/** The mesh-ops function's ports (the mesh function's and more) on in-memory fakes: the registry, an SSA-faithful cluster, one-shot schedules. */
export function meshPorts(now = new Date('2026-11-23T12:00:00Z')) {
  const { ports: core, clock } = memoryPorts(now);
  const ports = {
    ...core,
    mesh: new MemoryMeshCluster(),
    meshStore: new MemoryMeshStore(),
    meshScheduler: new MemoryScheduler(),
    meshConfig: {
      mode: 'sidecar' as const,
      trustDomain: 'cluster.local',
      defaultNamespace: 'default',
      managedNamespaces: ['default', 'irs'],
      defaultCluster: MESH_CLUSTER,
      istioNamespace: 'istio-system',
    },
  } satisfies MeshOpsPorts;
  return { ports, clock };
}

/** A seed manifest (test/fixtures/seeds) registered and its objects applied, as a deploy leaves them. */
export const registerSeed = (ports: MeshPorts, file: string): Promise<RegistryEntry> =>
  registerText(ports, readFileSync(new URL(`../../fixtures/seeds/${file}`, import.meta.url), 'utf8'));

/** A manifest's text registered and its objects applied. */
export async function registerText(ports: MeshPorts, text: string): Promise<RegistryEntry> {
  const manifest = parseManifest(text, { defaultNamespace: 'default' }).document as MeshService;
  const { name, namespace } = manifest.metadata;
  const entry: RegistryEntry = {
    name,
    namespace,
    cluster: MESH_CLUSTER,
    port: manifest.spec.port,
    routes: manifest.spec.routes,
    meshUrl: meshUrlOf(name, manifest.spec.port),
    clusterDns: clusterDnsOf(name, namespace),
    mtls: manifest.spec.mtls,
    manifest,
    objects: [],
    appliedAt: ports.clock.now().toISOString(),
    appliedBy: operator.actor,
    version: 1,
  };
  await ports.meshStore.put('service', entry, null);
  await reapplyService(ports, name, operator, { dryRun: false, why: 'deployed' });
  return entry;
}

/** The service's VirtualService as the cluster holds it. */
export const virtualService = (ports: MeshPorts, name: string, namespace = 'default'): Promise<KubeObject | null> =>
  ports.mesh.get(MESH_CLUSTER, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name });

/** The body of the first route's directResponse, if it has one. */
export async function firstRouteAnswer(ports: MeshPorts, name: string): Promise<string | null> {
  const vs = await virtualService(ports, name);
  const first = (vs?.spec as { http?: { directResponse?: { status: number; body?: { string?: string } } }[] } | undefined)?.http?.[0];
  return first?.directResponse ? `${first.directResponse.status} ${first.directResponse.body?.string ?? ''}` : null;
}
