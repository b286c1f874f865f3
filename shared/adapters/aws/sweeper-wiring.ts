import type { SecretsPorts, Wiring } from '#ports/ports.ts';
import type { AwsConfig, PublishingConfig, SweeperConfig } from './config.ts';
import { EventBridgePublisher } from './eventbridge-publisher.ts';
import { buildSecretsWiring } from './secrets-wiring.ts';

let wiring: Wiring<SecretsPorts> | undefined;

/**
 * Secrets Manager (with the rotation function it gives unscheduled secrets), the audit log and
 * EventBridge, for the sweeper; no database, no state table.
 */
export async function awsSweeperWiring(config: AwsConfig, publishing: PublishingConfig, sweeper: SweeperConfig): Promise<Wiring<SecretsPorts>> {
  wiring ??= buildSecretsWiring(config, {
    events: new EventBridgePublisher({ region: config.region, eventBusName: publishing.eventBusName }),
    ...(sweeper.rotationFunctionArn ? { rotationLambdaArn: sweeper.rotationFunctionArn } : {}),
  });
  return wiring;
}
