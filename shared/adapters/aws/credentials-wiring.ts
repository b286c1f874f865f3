import type { SecretsPorts, Wiring } from '#ports/ports.ts';
import type { AwsConfig } from './config.ts';
import { awsDatabase } from './database-wiring.ts';
import { buildSecretsWiring, type SecretsParts } from './secrets-wiring.ts';

/** Secrets Manager, PostgreSQL and the audit log, plus the parts named (the state table, events). */
export function buildCredentialsWiring(config: AwsConfig, parts: Omit<SecretsParts, 'database'>): Wiring<SecretsPorts> {
  return buildSecretsWiring(config, { ...parts, database: awsDatabase() });
}

let wiring: Wiring<SecretsPorts> | undefined;

/** The credential revoker's ports: it drops roles and deletes secrets; no state table, no events. */
export async function awsCredentialsWiring(config: AwsConfig): Promise<Wiring<SecretsPorts>> {
  wiring ??= buildCredentialsWiring(config, {});
  return wiring;
}
