import type { MeshOpsPorts, Wiring } from '#ports/ports.ts';
import type { AwsConfig } from './config.ts';
import { EventBridgePublisher } from './eventbridge-publisher.ts';
import { EventBridgeOneShotScheduler } from './eventbridge-scheduler.ts';
import type { MeshOpsFunctionConfig } from './mesh-config.ts';
import { meshWiringOf } from './mesh-wiring.ts';

let wiring: Wiring<MeshOpsPorts> | undefined;

/**
 * The mesh-ops function's ports over AWS: the mesh function's (meshWiringOf), plus one-shot schedules
 * that invoke mesh-ops itself (a pause's end, a breaker's close) and EventBridge for the root CA alert.
 */
export async function awsMeshOpsWiring(config: AwsConfig, ops: MeshOpsFunctionConfig): Promise<Wiring<MeshOpsPorts>> {
  if (!wiring) {
    const mesh = meshWiringOf(config, ops);
    wiring = {
      ...mesh,
      ports: {
        ...mesh.ports,
        meshScheduler: new EventBridgeOneShotScheduler({ region: config.region, ...ops.scheduling }),
        events: new EventBridgePublisher({ region: config.region, eventBusName: ops.publishing.eventBusName }),
      },
    };
  }
  return wiring;
}
