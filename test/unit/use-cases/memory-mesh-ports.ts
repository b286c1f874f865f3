import type { MeshConfig, MeshOpsPorts } from '#ports/ports.ts';
import { MemoryMeshCluster } from './memory-mesh-cluster.ts';
import { MemoryMeshStore } from './memory-mesh-store.ts';
import { MemoryScheduler, memoryPorts } from './memory-ports.ts';

export const MESH_CONFIG: MeshConfig = {
  mode: 'sidecar',
  trustDomain: 'cluster.local',
  defaultNamespace: 'irs',
  managedNamespaces: ['irs', 'fema'],
  defaultCluster: 'sandbox',
  istioNamespace: 'istio-system',
};

/** The mesh-ops function's ports (the mesh function's and more) on in-memory fakes: the use cases' tests run on these. */
export function memoryMeshPorts(now = new Date('2026-12-03T12:00:00Z')) {
  const { ports: core, clock } = memoryPorts(now);
  const ports = {
    ...core,
    mesh: new MemoryMeshCluster(),
    meshStore: new MemoryMeshStore(),
    meshScheduler: new MemoryScheduler(),
    meshConfig: MESH_CONFIG,
  } satisfies MeshOpsPorts;
  return { ports, clock };
}
