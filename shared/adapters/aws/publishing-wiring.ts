import type { PublishingPorts, Wiring } from '#ports/ports.ts';
import type { AwsConfig, PublishingConfig } from './config.ts';
import { buildCoreWiring } from './core-wiring.ts';
import { EventBridgePublisher } from './eventbridge-publisher.ts';

let wiring: Wiring<PublishingPorts> | undefined;

/** The core AWS ports plus EventBridge PutEvents, for the meter. */
export async function awsPublishingWiring(config: AwsConfig, publishing: PublishingConfig): Promise<Wiring<PublishingPorts>> {
  if (!wiring) {
    const base = buildCoreWiring(config);
    wiring = { ...base, ports: { ...base.ports, events: new EventBridgePublisher({ region: config.region, eventBusName: publishing.eventBusName }) } };
  }
  return wiring;
}
