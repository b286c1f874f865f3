import { systemClock } from '#ports/clock.ts';
import type { RotationPorts } from '#ports/ports.ts';
import type { RotationConfig } from './config.ts';
import { awsDatabase } from './database-wiring.ts';
import { SecretsManagerStore } from './secrets-manager-store.ts';

let ports: RotationPorts | undefined;

/** Secrets Manager and PostgreSQL, and nothing else: the rotation function keeps no state and writes no audit. */
export async function awsRotationWiring(config: RotationConfig): Promise<RotationPorts> {
  ports ??= { secrets: new SecretsManagerStore({ region: config.region }), database: awsDatabase(), clock: systemClock };
  return ports;
}
