import { MemoryMeshCluster } from '../use-cases/memory-mesh-cluster.ts';
import { meshClusterContract } from './mesh-cluster-contract.ts';

// The use-case tests' fake passes the same suite as the AWS adapter against the simulator.
meshClusterContract('MemoryMeshCluster', async () => {
  const mesh = new MemoryMeshCluster();
  return {
    mesh,
    cluster: 'local',
    namespace: 'irs',
    applyAs: async (manager, object) => {
      await mesh.applyAs(manager, object);
    },
    readyPods: async (namespace, service, count, port) => {
      mesh.setEndpoints(
        namespace,
        service,
        Array.from({ length: count }, (_, i) => ({ address: `10.1.0.${i + 2}`, port, pod: `${service}-${i}` })),
      );
    },
  };
});
