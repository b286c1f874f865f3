import { readAwsConfig, readPublishingConfig } from '#adapters/aws/config.ts';
import { createMeterHandler } from './meter.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation.
const config = readAwsConfig(process.env);
const publishing = readPublishingConfig(process.env);

export const handler = createMeterHandler(async () => (await import('#adapters/aws/publishing-wiring.ts')).awsPublishingWiring(config, publishing));
