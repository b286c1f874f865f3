import { systemClock } from '#ports/clock.ts';
import type { Database } from '#ports/database.ts';
import type { EventPublisher } from '#ports/events.ts';
import type { SecretsPorts, Wiring } from '#ports/ports.ts';
import type { StateStore } from '#ports/state-store.ts';
import type { AwsConfig } from './config.ts';
import { DynamoDbAuditLog } from './dynamodb-audit-log.ts';
import { DynamoDbAuditOutbox } from './dynamodb-audit-outbox.ts';
import { dynamoDbClient } from './dynamodb-client.ts';
import { DynamoDbStateStore } from './dynamodb-state-store.ts';
import { SecretsManagerStore } from './secrets-manager-store.ts';

/** The ports a secrets function adds to the base; what it leaves out is not wired. */
export interface SecretsParts {
  /** The state table, for functions declaring the 'state' need. */
  store?: boolean;
  database?: Database;
  events?: EventPublisher;
  /** The rotation function RotateSecret sets when it gives a secret its schedule. */
  rotationLambdaArn?: string;
}

/**
 * A port the function was not deployed to use: no client is built, no grant exists, and a call
 * fails naming the port and the need it lacks, instead of an AccessDenied from AWS.
 */
export function unwired<T extends object>(port: string, need: string): T {
  return new Proxy({} as T, {
    get: (_target, member) => {
      // Not a thenable, and nothing for inspection: only method calls fail.
      if (typeof member !== 'string' || member === 'then' || member === 'toJSON') return undefined;
      return () => Promise.reject(new Error(`${port}.${member}: this function is not wired to ${port} (it does not declare the '${need}' need)`));
    },
  });
}

/**
 * Secrets Manager, the audit log and the clock, which every secrets function uses, plus the parts
 * it names. The DynamoDB client is built once and shared by the audit log and the state store.
 */
export function buildSecretsWiring(config: AwsConfig, parts: SecretsParts): Wiring<SecretsPorts> {
  const dynamo = dynamoDbClient({ region: config.region });
  return {
    controllerActor: config.actor,
    ports: {
      store: parts.store ? new DynamoDbStateStore({ client: dynamo, tableName: config.stateTable }) : unwired<StateStore>('store', 'state'),
      secrets: new SecretsManagerStore({ region: config.region, ...(parts.rotationLambdaArn ? { rotationLambdaArn: parts.rotationLambdaArn } : {}) }),
      database: parts.database ?? unwired<Database>('database', 'database'),
      audit: new DynamoDbAuditLog({ client: dynamo, tableName: config.auditTable, indexes: config.auditIndexes }),
      auditOutbox: new DynamoDbAuditOutbox({ client: dynamo, tableName: config.auditTable }),
      events: parts.events ?? unwired<EventPublisher>('events', 'events-publish'),
      clock: systemClock,
    },
  };
}
