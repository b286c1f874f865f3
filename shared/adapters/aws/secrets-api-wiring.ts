import type { SecretsPorts, Wiring } from '#ports/ports.ts';
import type { AwsConfig, PublishingConfig } from './config.ts';
import { buildCredentialsWiring } from './credentials-wiring.ts';
import { EventBridgePublisher } from './eventbridge-publisher.ts';

let wiring: Wiring<SecretsPorts> | undefined;

/**
 * The secrets API's ports: Secrets Manager, PostgreSQL and the audit log, the state table (it
 * looks up services) when its declaration grants 'state', and EventBridge (a replaced credential
 * restarts the service) when it grants 'events-publish' and so has a bus name.
 */
export async function awsSecretsApiWiring(config: AwsConfig, options: { store: boolean; publishing?: PublishingConfig }): Promise<Wiring<SecretsPorts>> {
  wiring ??= buildCredentialsWiring(config, {
    store: options.store,
    ...(options.publishing ? { events: new EventBridgePublisher({ region: config.region, eventBusName: options.publishing.eventBusName }) } : {}),
  });
  return wiring;
}
