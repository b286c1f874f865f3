import { readOutboxGraceSeconds, readRotationConfig } from '#adapters/aws/config.ts';
import { createRotationHandler } from './rotation.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation.
const config = readRotationConfig(process.env);
const outboxGraceSeconds = readOutboxGraceSeconds(process.env);

export const handler = createRotationHandler(async () => (await import('#adapters/aws/rotation-wiring.ts')).awsRotationWiring(config), { outboxGraceSeconds });
