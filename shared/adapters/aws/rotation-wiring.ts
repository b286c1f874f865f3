import { systemClock } from '#ports/clock.ts';
import type { RotationPorts, Wiring } from '#ports/ports.ts';
import type { RotationConfig } from './config.ts';
import { awsDatabase } from './database-wiring.ts';
import { DynamoDbAuditLog } from './dynamodb-audit-log.ts';
import { DynamoDbAuditOutbox } from './dynamodb-audit-outbox.ts';
import { dynamoDbClient } from './dynamodb-client.ts';
import { SecretsManagerStore } from './secrets-manager-store.ts';

let wiring: Wiring<RotationPorts> | undefined;

/** Secrets Manager, PostgreSQL and the audit table (each step's record and its outbox intent); no state table. */
export async function awsRotationWiring(config: RotationConfig): Promise<Wiring<RotationPorts>> {
  if (wiring) return wiring;
  const dynamo = dynamoDbClient({ region: config.region });
  const ports: RotationPorts = {
    secrets: new SecretsManagerStore({ region: config.region }),
    database: awsDatabase(),
    audit: new DynamoDbAuditLog({ client: dynamo, tableName: config.auditTable, indexes: config.auditIndexes }),
    auditOutbox: new DynamoDbAuditOutbox({ client: dynamo, tableName: config.auditTable }),
    clock: systemClock,
  };
  wiring = { ports, controllerActor: config.actor };
  return wiring;
}
