import { readAwsConfig, readOutboxGraceSeconds, readPublishingConfig, readSweeperConfig } from '#adapters/aws/config.ts';
import { createSecretSweeperHandler } from './secret-sweeper.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation.
const config = readAwsConfig(process.env);
const publishing = readPublishingConfig(process.env);
const sweeper = readSweeperConfig(process.env);
const outboxGraceSeconds = readOutboxGraceSeconds(process.env);

export const handler = createSecretSweeperHandler(async () => (await import('#adapters/aws/sweeper-wiring.ts')).awsSweeperWiring(config, publishing, sweeper), {
  outboxGraceSeconds,
});
