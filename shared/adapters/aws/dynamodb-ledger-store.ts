import { DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Usage } from '#domain/budget.ts';
import type { Budget, Burst } from '#domain/model.ts';
import type { LedgerStore } from '#ports/ledger.ts';
import { isConditionFailure } from './dynamodb-client.ts';
import { EntityTable, type Item, itemKey } from './dynamodb-entities.ts';
import { BURST_COUNTER, BURST_RETENTION_SECONDS, STATE_PARTITIONS, STATE_TABLE } from './table-design.ts';

const TERMINAL = new Set<Burst['state']>(['done', 'cancelled', 'failed']);

/** LedgerStore on the state table: budgets, usage by month, bursts and the active-burst markers. */
export class DynamoDbLedgerStore implements LedgerStore {
  readonly #entities: EntityTable;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.#entities = new EntityTable(options.client, options.tableName);
  }

  putBudget(budget: Budget, expectedVersion: number | null): Promise<void> {
    return this.#entities.put(STATE_PARTITIONS.budget, budget.service, budget, expectedVersion);
  }
  getBudget(service: string): Promise<Budget | null> {
    return this.#entities.get<Budget>(STATE_PARTITIONS.budget, service);
  }
  listBudgets(): Promise<Budget[]> {
    return this.#entities.list<Budget>(STATE_PARTITIONS.budget);
  }
  deleteBudget(service: string, expectedVersion: number): Promise<void> {
    return this.#entities.delete(STATE_PARTITIONS.budget, service, expectedVersion);
  }

  getUsage(service: string, month: string): Promise<Usage | null> {
    return this.#entities.get<Usage>(STATE_PARTITIONS.usage, usageKey(month, service));
  }
  listUsage(month: string): Promise<Usage[]> {
    return this.#entities.list<Usage>(STATE_PARTITIONS.usage, `${month}#`);
  }
  putUsage(usage: Usage, expectedVersion: number | null): Promise<void> {
    return this.#entities.put(STATE_PARTITIONS.usage, usageKey(usage.month, usage.service), usage, expectedVersion);
  }
  deleteUsage(service: string, month: string, expectedVersion: number): Promise<void> {
    return this.#entities.delete(STATE_PARTITIONS.usage, usageKey(month, service), expectedVersion);
  }

  nextBurstNumber(): Promise<number> {
    return this.#entities.increment(STATE_PARTITIONS.counter, BURST_COUNTER.sk, BURST_COUNTER.start);
  }
  putBurst(burst: Burst, expectedVersion: number | null): Promise<void> {
    // A finished burst expires after its retention; DynamoDB TTL removes it.
    const expiry: Item = TERMINAL.has(burst.state)
      ? { [STATE_TABLE.ttlAttribute]: { N: String(Math.floor(Date.parse(burst.updatedAt) / 1000) + BURST_RETENTION_SECONDS) } }
      : {};
    return this.#entities.put(STATE_PARTITIONS.burst, burst.burstId, burst, expectedVersion, expiry);
  }
  getBurst(burstId: string): Promise<Burst | null> {
    return this.#entities.get<Burst>(STATE_PARTITIONS.burst, burstId);
  }

  async claimActiveBurst(service: string, burstId: string): Promise<boolean> {
    try {
      await this.#entities.client.send(
        new PutItemCommand({
          TableName: this.#entities.tableName,
          Item: { ...itemKey(STATE_PARTITIONS.activeBurst, service), burstId: { S: burstId } },
          ConditionExpression: 'attribute_not_exists(#pk) OR burstId = :id',
          ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey },
          ExpressionAttributeValues: { ':id': { S: burstId } },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
  async releaseActiveBurst(service: string, burstId: string): Promise<void> {
    try {
      await this.#entities.client.send(
        new DeleteItemCommand({
          TableName: this.#entities.tableName,
          Key: itemKey(STATE_PARTITIONS.activeBurst, service),
          ConditionExpression: 'burstId = :id',
          ExpressionAttributeValues: { ':id': { S: burstId } },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
  async listActiveBursts(): Promise<Array<{ service: string; burstId: string }>> {
    const items = await this.#entities.queryItems(STATE_PARTITIONS.activeBurst);
    return items.map((item) => ({ service: item[STATE_TABLE.sortKey]!.S!, burstId: item.burstId!.S! }));
  }
  async activeBurstOf(service: string): Promise<string | null> {
    const item = await this.#entities.getItem(STATE_PARTITIONS.activeBurst, service);
    return item?.burstId?.S ?? null;
  }
}

const usageKey = (month: string, service: string) => `${month}#${service}`;
