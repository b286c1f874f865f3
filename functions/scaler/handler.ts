import { readAwsConfig } from '#adapters/aws/config.ts';
import { createScalerHandler } from './scaler.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation.
const config = readAwsConfig(process.env);

export const handler = createScalerHandler(async () => (await import('#adapters/aws/wiring.ts')).awsWiring(config));
