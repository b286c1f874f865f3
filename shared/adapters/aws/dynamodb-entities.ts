import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { StaleVersionError } from '#ports/errors.ts';
import { isConditionFailure } from './dynamodb-client.ts';
import { STATE_ATTRIBUTES, STATE_TABLE } from './table-design.ts';

export type Item = Record<string, AttributeValue>;

/**
 * Versioned JSON entities in the state table: one partition per kind, the entity's id as the
 * sort key, its JSON in `body`. The caller passes the entity with its new `version` set and the
 * version that must be stored now (null: the item must not exist); a failed condition is a
 * StaleVersionError.
 */
export class EntityTable {
  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  /** `unlessSet`: an update also fails while the stored item carries this attribute (a service marked for deletion). */
  async put(partition: string, id: string, entity: { version: number }, expectedVersion: number | null, extra: Item = {}, unlessSet?: string): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...itemKey(partition, id),
            ...extra,
            [STATE_ATTRIBUTES.version]: { N: String(entity.version) },
            [STATE_ATTRIBUTES.body]: { S: JSON.stringify(entity) },
          },
          ...versionCondition(expectedVersion, unlessSet),
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new StaleVersionError(`${partition} ${id}`, { cause: err });
      throw err;
    }
  }

  async delete(partition: string, id: string, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: itemKey(partition, id),
          ...versionCondition(expectedVersion),
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new StaleVersionError(`${partition} ${id}`, { cause: err });
      throw err;
    }
  }

  async get<T>(partition: string, id: string): Promise<T | null> {
    const item = await this.getItem(partition, id);
    return item ? entityFrom<T>(item) : null;
  }

  async getItem(partition: string, id: string): Promise<Item | null> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: itemKey(partition, id),
        ConsistentRead: true,
      }),
    );
    return out.Item ?? null;
  }

  /** Every item of a partition, or those whose sort key starts with `prefix`. */
  async queryItems(partition: string, prefix?: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: prefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey, ...(prefix === undefined ? {} : { '#sk': STATE_TABLE.sortKey }) },
          ExpressionAttributeValues: { ':pk': { S: partition }, ...(prefix === undefined ? {} : { ':prefix': { S: prefix } }) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async list<T>(partition: string, prefix?: string): Promise<T[]> {
    return (await this.queryItems(partition, prefix)).map((item) => entityFrom<T>(item));
  }

  /** Adds one to a counter item and returns the new value; an absent counter starts at `start`. */
  async increment(partition: string, id: string, start: number): Promise<number> {
    const out = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: itemKey(partition, id),
        UpdateExpression: 'SET #n = if_not_exists(#n, :start) + :one',
        ExpressionAttributeNames: { '#n': STATE_ATTRIBUTES.counterValue },
        ExpressionAttributeValues: { ':start': { N: String(start) }, ':one': { N: '1' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const value = out.Attributes?.[STATE_ATTRIBUTES.counterValue]?.N;
    if (value === undefined) throw new Error(`counter ${id} update returned no value`);
    return Number(value);
  }
}

export function itemKey(partition: string, id: string): Item {
  return { [STATE_TABLE.partitionKey]: { S: partition }, [STATE_TABLE.sortKey]: { S: id } };
}

type ConditionFields = Pick<PutItemCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;

/** Create: the item must not exist. Update or delete: the stored version must be the expected one. */
export function versionCondition(expectedVersion: number | null, unlessSet?: string): ConditionFields {
  if (expectedVersion !== null && unlessSet !== undefined) {
    return {
      ConditionExpression: '#version = :expected AND attribute_not_exists(#unless)',
      ExpressionAttributeNames: { '#version': STATE_ATTRIBUTES.version, '#unless': unlessSet },
      ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
    };
  }
  if (expectedVersion === null) {
    return {
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey },
    };
  }
  return {
    ConditionExpression: '#version = :expected',
    ExpressionAttributeNames: { '#version': STATE_ATTRIBUTES.version },
    ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
  };
}

export function entityFrom<T>(item: Item): T {
  const body = item[STATE_ATTRIBUTES.body]?.S;
  if (body === undefined) throw new Error(`state item ${item[STATE_TABLE.sortKey]?.S} has no body`);
  return JSON.parse(body) as T;
}
