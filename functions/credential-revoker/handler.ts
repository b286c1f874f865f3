import { readAwsConfig } from '#adapters/aws/config.ts';
import { createCredentialRevokerHandler } from './credential-revoker.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation.
const config = readAwsConfig(process.env);

export const handler = createCredentialRevokerHandler(async () => (await import('#adapters/aws/credentials-wiring.ts')).awsCredentialsWiring(config));
