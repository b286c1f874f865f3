import { readAwsConfig, readRestartConfig } from '#adapters/aws/config.ts';
import { createConsumerRestarterHandler } from './consumer-restarter.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation.
const config = readAwsConfig(process.env);
const restart = readRestartConfig(process.env);

export const handler = createConsumerRestarterHandler(async () => (await import('#adapters/aws/restarter-wiring.ts')).awsRestarterWiring(config, restart));
