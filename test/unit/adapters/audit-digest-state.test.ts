import { DynamoDbAuditDigestState } from '#adapters/aws/dynamodb-audit-digest-state.ts';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { MemoryDigestState } from '../use-cases/memory-digest-state.ts';
import { MemoryAudit } from '../use-cases/memory-stores.ts';
import { auditDigestStateContract } from './audit-digest-state-contract.ts';
import { useDynalite } from './dynalite-fixture.ts';

// The assertions live in audit-digest-state-contract.ts; this file runs them against the fake and dynalite.
const dynalite = useDynalite();

auditDigestStateContract('MemoryDigestState', async () => {
  const log = new MemoryAudit();
  return { log, state: new MemoryDigestState(log) };
});
auditDigestStateContract('DynamoDbAuditDigestState', async () => {
  const tableName = (await dynalite.freshTables()).audit;
  return {
    log: new DynamoDbAuditLog({ client: dynalite.client, tableName }),
    state: new DynamoDbAuditDigestState({ client: dynalite.client, tableName }),
  };
});
