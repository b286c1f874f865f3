import { readAuditArchiveConfig } from '#adapters/aws/audit-archive-config.ts';
import { readAwsConfig } from '#adapters/aws/config.ts';
import { logger } from '#observability/logger.ts';
import { createAuditDigestHandler } from './audit-digest.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation.
const config = readAwsConfig(process.env);
const archive = readAuditArchiveConfig(process.env);

export const handler = createAuditDigestHandler(async () => (await import('#adapters/aws/audit-archive-wiring.ts')).awsDigestWiring(config, archive), {
  error: (message, details) => logger.error(message, details),
});
