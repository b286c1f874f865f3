import { readAwsConfig, readPublishingConfig } from '#adapters/aws/config.ts';
import { logger } from '#observability/logger.ts';
import { createSecretsApiHandler } from './secrets-api.ts';
import { secretsApiFunction } from './triggers.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation. The state table and the
// event bus are wired only if the declaration's needs grant them.
const config = readAwsConfig(process.env);
const store = secretsApiFunction.needs.includes('state');
const publishing = secretsApiFunction.needs.includes('events-publish') ? readPublishingConfig(process.env) : undefined;

export const handler = createSecretsApiHandler(
  async () => (await import('#adapters/aws/secrets-api-wiring.ts')).awsSecretsApiWiring(config, { store, ...(publishing ? { publishing } : {}) }),
  { error: (message, details) => logger.error(message, details) },
);
