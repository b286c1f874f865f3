import type { MeshPorts, Wiring } from '#ports/ports.ts';
import type { AwsConfig } from './config.ts';
import { buildCoreWiring } from './core-wiring.ts';
import { dynamoDbClient } from './dynamodb-client.ts';
import { DynamoDbMeshStore } from './dynamodb-mesh-store.ts';
import { KubernetesMesh } from './kubernetes-mesh.ts';
import { lazyCloudWatchMetrics } from './lazy-metrics.ts';
import type { MeshFunctionConfig } from './mesh-config.ts';

let wiring: Wiring<MeshPorts> | undefined;

/**
 * The mesh function's ports over AWS: the core ports with CloudWatch (the breaker's alarm), the mesh
 * objects by server-side apply on the EKS clusters (RBAC group hms-sys:mesh) and the registry in the
 * state table. No Scheduler or EventBridge client: schedules and alerts are mesh-ops's (mesh-ops-wiring.ts).
 */
export async function awsMeshWiring(config: AwsConfig, mesh: MeshFunctionConfig): Promise<Wiring<MeshPorts>> {
  if (!wiring) wiring = meshWiringOf(config, mesh);
  return wiring;
}

/** The mesh ports over AWS, built without calling AWS: the base of mesh-ops's wiring too. */
export function meshWiringOf(config: AwsConfig, mesh: MeshFunctionConfig): Wiring<MeshPorts> {
  // One client serves the Cluster port (scale to min) and the MeshCluster port, limited to HMS_CLUSTERS.
  const core = buildCoreWiring(config, (options) => new KubernetesMesh(options));
  return {
    ...core,
    ports: {
      ...core.ports,
      metrics: lazyCloudWatchMetrics(config.region),
      mesh: core.ports.cluster,
      meshStore: new DynamoDbMeshStore({ client: dynamoDbClient({ region: config.region }), tableName: config.stateTable }),
      meshConfig: mesh.mesh,
    },
  };
}
