import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { auditTableInput, stateTableInput } from '#adapters/aws/table-design.ts';
import { closeDynaliteIteratorsAtEnd } from './dynalite-iterators.ts';

/** The options of dynalite's factory that the sandbox uses (dynalite ships no types). */
interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}
const dynalite = createRequire(import.meta.url)('dynalite') as (options: DynaliteOptions) => Server;

export interface DynaliteServer {
  /** http://127.0.0.1:<port>, for dynamoDbClient({ endpoint }). */
  endpoint: string;
  close(): Promise<void>;
}

/** Starts dynalite on loopback: persisted to dataDir (LevelDB) when given, in memory otherwise. */
export async function startDynalite(options: { dataDir?: string; port?: number } = {}): Promise<DynaliteServer> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  closeDynaliteIteratorsAtEnd();
  const server = dynalite({
    ...(options.dataDir ? { path: options.dataDir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** Creates the state and audit tables when absent and waits until both are ACTIVE. Safe to repeat. */
export async function ensureTables(client: DynamoDBClient, names: { state: string; audit: string }): Promise<void> {
  await Promise.all([ensureTable(client, stateTableInput(names.state)), ensureTable(client, auditTableInput(names.audit))]);
}

const ACTIVE_WAIT_MS = 10_000;
const POLL_MS = 25;

async function ensureTable(client: DynamoDBClient, input: ReturnType<typeof stateTableInput>): Promise<void> {
  const tableName = input.TableName!;
  let table = await describe(client, tableName);
  if (!table) {
    try {
      await client.send(new CreateTableCommand(input));
    } catch (err) {
      // Another caller created it first; waiting for ACTIVE below covers both.
      if ((err as { name?: string }).name !== 'ResourceInUseException') throw err;
    }
  }
  const deadline = Date.now() + ACTIVE_WAIT_MS;
  for (;;) {
    table = await describe(client, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return assertIndexes(table, input);
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * A table kept in a data directory from an older hms-sys may lack an index the adapters now query
 * (the sharded audit time index replaced `byTime`); say so plainly rather than fail on each query.
 */
function assertIndexes(table: TableDescription, input: ReturnType<typeof stateTableInput>): void {
  const present = new Set((table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const missing = (input.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName!).filter((name) => !present.has(name));
  if (missing.length > 0) {
    throw new Error(
      `table ${input.TableName} has no ${missing.join(' or ')} index: it was created by an older hms-sys; move the sandbox data directory (HMS_DATA_DIR) aside to start afresh`,
    );
  }
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | null> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table ?? null;
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return null;
    throw err;
  }
}
