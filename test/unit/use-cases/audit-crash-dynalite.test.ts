import { describe, expect, it } from 'vitest';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { DynamoDbAuditOutbox } from '#adapters/aws/dynamodb-audit-outbox.ts';
import { DynamoDbLedgerStore } from '#adapters/aws/dynamodb-ledger-store.ts';
import { DynamoDbStateStore } from '#adapters/aws/dynamodb-state-store.ts';
import type { AuditRecord } from '#domain/audit.ts';
import { drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { createRule, updateRule } from '#use-cases/rules.ts';
import { createService } from '#use-cases/services.ts';
import { stateProbes } from '#use-cases/state-probes.ts';
import { useDynalite } from '../adapters/dynalite-fixture.ts';
import { runMatrix, type Scenario } from './crash-harness.ts';
import { memoryPorts } from './memory-ports.ts';
import { AR_101, ELIGIBILITY_API } from './seeded-ports.ts';

// The crash matrix of a rule update on the DynamoDB adapters (dynalite): the state table, the
// audit chains and the outbox under outbox# keys, with the cluster and alarms in memory.
const dynalite = useDynalite();
const caller = { actor: 'user/alice', requestId: 'req-crash' };
const GRACE_MS = 15 * 60_000;

async function dynamoEnv() {
  const tables = await dynalite.freshTables();
  const { ports: memory, clock } = memoryPorts();
  const ports = {
    ...memory,
    store: new DynamoDbStateStore({ client: dynalite.client, tableName: tables.state }),
    ledger: new DynamoDbLedgerStore({ client: dynalite.client, tableName: tables.state }),
    audit: new DynamoDbAuditLog({ client: dynalite.client, tableName: tables.audit }),
    auditOutbox: new DynamoDbAuditOutbox({ client: dynalite.client, tableName: tables.audit }),
  };
  await createService(ports, caller, ELIGIBILITY_API, { dryRun: false });
  await createRule(ports, caller, AR_101, { dryRun: false });
  return { ports, clock, tables };
}
type DynamoEnv = Awaited<ReturnType<typeof dynamoEnv>>;

async function allRecords(env: DynamoEnv): Promise<AuditRecord[]> {
  const streams = [`service#${ELIGIBILITY_API.name}`, 'system'];
  return (await Promise.all(streams.map((stream) => env.ports.audit.readChain(stream, 0, 1_000)))).flatMap((page) => page.records);
}

const ruleUpdate: Scenario<DynamoEnv> = {
  name: 'rule update on dynalite',
  action: 'rule.update',
  setup: dynamoEnv,
  run: (env, crash) =>
    updateRule(
      crash.wrapAll(env.ports, ['store', 'ledger', 'audit', 'auditOutbox', 'cluster', 'metrics']),
      caller,
      'AR-101',
      { minReplicas: 6 },
      { dryRun: false },
    ),
  tookEffect: async (env) => (await env.ports.store.getRule('AR-101'))?.minReplicas === 6,
  recover: async (env) => {
    env.clock.current = new Date(env.clock.current.getTime() + GRACE_MS + 60_000);
    // A drainer of its own, as the reconciler's Lambda is: another outbox instance, no keys remembered.
    const auditOutbox = new DynamoDbAuditOutbox({ client: dynalite.client, tableName: env.tables.audit });
    await drainAuditOutbox({ ...env.ports, auditOutbox }, { probes: stateProbes(env.ports), graceMs: GRACE_MS });
  },
  records: allRecords,
  outboxSize: async (env) => (await env.ports.auditOutbox.list(1_000)).length,
};

describe('the crash matrix on DynamoDB (dynalite)', () => {
  it('a rule update killed at any point between its intent and its record has exactly one record after recovery', async () => {
    const outcomes = await runMatrix(ruleUpdate);
    expect(outcomes.slice(1).some((o) => o.endsWith('not'))).toBe(true);
    expect(outcomes.some((o) => o.endsWith('stood'))).toBe(true);
  });
});
