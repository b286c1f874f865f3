import type { MeshPorts, Wiring } from '#ports/ports.ts';
import type { AwsConfig } from './config.ts';
import { buildCoreWiring } from './core-wiring.ts';
import { dynamoDbClient } from './dynamodb-client.ts';
import { DynamoDbMeshStore } from './dynamodb-mesh-store.ts';
import { EventBridgePublisher } from './eventbridge-publisher.ts';
import { EventBridgeOneShotScheduler } from './eventbridge-scheduler.ts';
import { KubernetesMesh } from './kubernetes-mesh.ts';
import { lazyCloudWatchMetrics } from './lazy-metrics.ts';
import type { MeshFunctionConfig } from './mesh-config.ts';

let wiring: Wiring<MeshPorts> | undefined;

/**
 * The mesh function's ports over AWS: the core ports with CloudWatch (the breaker's alarm), the mesh
 * objects by server-side apply on the EKS clusters (RBAC group hms-sys:mesh), the registry in the
 * state table, one-shot schedules that invoke this function, and EventBridge for the root CA alert.
 */
export async function awsMeshWiring(config: AwsConfig, mesh: MeshFunctionConfig): Promise<Wiring<MeshPorts>> {
  if (!wiring) {
    // One client serves the Cluster port (scale to min) and the MeshCluster port, limited to HMS_CLUSTERS.
    const core = buildCoreWiring(config, (options) => new KubernetesMesh(options));
    wiring = {
      ...core,
      ports: {
        ...core.ports,
        metrics: lazyCloudWatchMetrics(config.region),
        mesh: core.ports.cluster,
        meshStore: new DynamoDbMeshStore({ client: dynamoDbClient({ region: config.region }), tableName: config.stateTable }),
        meshScheduler: new EventBridgeOneShotScheduler({ region: config.region, ...mesh.scheduling }),
        events: new EventBridgePublisher({ region: config.region, eventBusName: mesh.publishing.eventBusName }),
        meshConfig: mesh.mesh,
      },
    };
  }
  return wiring;
}
