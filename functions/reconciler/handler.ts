import { readAwsConfig, readOutboxGraceSeconds } from '#adapters/aws/config.ts';
import { createReconcilerHandler } from './reconciler.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation.
const config = readAwsConfig(process.env);
const outboxGraceSeconds = readOutboxGraceSeconds(process.env);

export const handler = createReconcilerHandler(async () => (await import('#adapters/aws/wiring.ts')).awsWiring(config), { outboxGraceSeconds });
