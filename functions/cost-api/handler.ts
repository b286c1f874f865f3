import { readAwsConfig, readSchedulingConfig } from '#adapters/aws/config.ts';
import { logger } from '#observability/logger.ts';
import { createCostApiHandler } from './cost-api.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation.
const config = readAwsConfig(process.env);
const scheduling = readSchedulingConfig(process.env);

export const handler = createCostApiHandler(async () => (await import('#adapters/aws/scheduling-wiring.ts')).awsSchedulingWiring(config, scheduling), {
  error: (message, details) => logger.error(message, details),
});
