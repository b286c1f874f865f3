import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { DynamoDbAuditOutbox } from '#adapters/aws/dynamodb-audit-outbox.ts';
import { DynamoDbLedgerStore } from '#adapters/aws/dynamodb-ledger-store.ts';
import { DynamoDbMeshStore } from '#adapters/aws/dynamodb-mesh-store.ts';
import { DynamoDbStateStore } from '#adapters/aws/dynamodb-state-store.ts';
import { AUDIT_ATTRIBUTES, AUDIT_TABLE } from '#adapters/aws/table-design.ts';
import { MemoryMeshStore } from '../use-cases/memory-mesh-store.ts';
import { MemoryAuditOutbox } from '../use-cases/memory-outbox.ts';
import { MemoryAudit, MemoryLedger, MemoryStore } from '../use-cases/memory-stores.ts';
import { auditLogContract } from './audit-log-contract.ts';
import { auditOutboxContract } from './audit-outbox-contract.ts';
import { useDynalite } from './dynalite-fixture.ts';
import { ledgerStoreContract } from './ledger-store-contract.ts';
import { meshStoreContract } from './mesh-store-contract.ts';
import { stateStoreContract } from './state-store-contract.ts';

// The use-case tests' fakes and the DynamoDB adapters (on dynalite, in-process) pass the same suites.
// The tests and their assertions live in the *-contract.ts modules; this file only runs each one per store.
const dynalite = useDynalite();

stateStoreContract('MemoryStore', async () => new MemoryStore());
stateStoreContract('DynamoDbStateStore', async () => new DynamoDbStateStore({ client: dynalite.client, tableName: (await dynalite.freshTables()).state }));

ledgerStoreContract('MemoryLedger', async () => new MemoryLedger());
ledgerStoreContract('DynamoDbLedgerStore', async () => new DynamoDbLedgerStore({ client: dynalite.client, tableName: (await dynalite.freshTables()).state }));

meshStoreContract('MemoryMeshStore', async () => new MemoryMeshStore());
meshStoreContract('DynamoDbMeshStore', async () => new DynamoDbMeshStore({ client: dynalite.client, tableName: (await dynalite.freshTables()).state }));

auditLogContract('MemoryAudit', async () => {
  const log = new MemoryAudit();
  return {
    log,
    tamper: async (record) => {
      const at = log.records.findIndex((r) => r.stream === record.stream && r.seq === record.seq);
      log.records[at] = structuredClone(record);
    },
  };
});
auditLogContract('DynamoDbAuditLog', async () => {
  const tableName = (await dynalite.freshTables()).audit;
  return {
    log: new DynamoDbAuditLog({ client: dynalite.client, tableName }),
    tamper: async (record) => {
      await dynalite.client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { [AUDIT_TABLE.partitionKey]: { S: record.stream }, [AUDIT_TABLE.sortKey]: { N: String(record.seq) } },
          UpdateExpression: 'SET #record = :record',
          ExpressionAttributeNames: { '#record': AUDIT_ATTRIBUTES.record },
          ExpressionAttributeValues: { ':record': { S: JSON.stringify(record) } },
        }),
      );
    },
  };
});

auditOutboxContract('MemoryAuditOutbox', async () => {
  const outbox = new MemoryAuditOutbox();
  return { outbox, another: () => outbox };
});
auditOutboxContract('DynamoDbAuditOutbox', async () => {
  const tableName = (await dynalite.freshTables()).audit;
  const another = () => new DynamoDbAuditOutbox({ client: dynalite.client, tableName });
  return { outbox: another(), another };
});
