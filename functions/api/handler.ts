import { readAwsConfig } from '#adapters/aws/config.ts';
import { logger } from '#observability/logger.ts';
import { createApiHandler } from './api.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation. Verify and the public
// key are the audit-digest function's, so this bundle carries no S3 or KMS client.
const config = readAwsConfig(process.env);

export const handler = createApiHandler(async () => (await import('#adapters/aws/wiring.ts')).awsWiring(config), {
  error: (message, details) => logger.error(message, details),
});
