import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { type DynaliteServer, ensureTables, startDynalite } from '#adapters/local/dynalite-server.ts';

export interface DynaliteFixture {
  client: DynamoDBClient;
  /** Creates a fresh pair of tables, so each test starts from empty counters, events and streams. */
  freshTables(): Promise<{ state: string; audit: string }>;
}

/** One in-memory dynalite per test file, started before and stopped after its tests. */
export function useDynalite(): DynaliteFixture {
  let server: DynaliteServer;
  let tableCount = 0;
  const fixture = {
    async freshTables() {
      tableCount += 1;
      const names = { state: `state-${tableCount}`, audit: `audit-${tableCount}` };
      await ensureTables(fixture.client, names);
      return names;
    },
  } as DynaliteFixture;
  beforeAll(async () => {
    server = await startDynalite();
    fixture.client = new DynamoDBClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  });
  afterAll(async () => {
    fixture.client.destroy();
    await server.close();
  });
  return fixture;
}
