import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Rule, Service, ServiceScaling } from '#domain/model.ts';
import { StaleVersionError } from '#ports/errors.ts';
import type { EventClaim, StateStore } from '#ports/state-store.ts';
import { isConditionFailure } from './dynamodb-client.ts';
import { EntityTable, itemKey } from './dynamodb-entities.ts';
import { EVENT_RETENTION_SECONDS, RULE_COUNTER, STATE_ATTRIBUTES, STATE_PARTITIONS, STATE_TABLE } from './table-design.ts';

export interface DynamoDbStateStoreOptions {
  client: DynamoDBClient;
  tableName: string;
}

const IN_PROGRESS = 'in-progress';
const DONE = 'done';

/**
 * StateStore on the single-table design in table-design.ts.
 *
 * Versioning: the caller passes the entity with its `version` field already set to the value
 * to store, and `expectedVersion` is the value that must be stored now (null: the item must
 * not exist). The store writes exactly that, under a condition, and maps a failed condition
 * to StaleVersionError. By convention a new entity is stored with version 1 and an update
 * with expected + 1.
 */
export class DynamoDbStateStore implements StateStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #entities: EntityTable;

  constructor(options: DynamoDbStateStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#entities = new EntityTable(options.client, options.tableName);
  }

  putService(service: Service, expectedVersion: number | null): Promise<void> {
    return this.#entities.put(STATE_PARTITIONS.service, service.name, service, expectedVersion, {}, STATE_ATTRIBUTES.deleting);
  }
  getService(name: string): Promise<Service | null> {
    return this.#entities.get<Service>(STATE_PARTITIONS.service, name);
  }
  listServices(): Promise<Service[]> {
    return this.#entities.list<Service>(STATE_PARTITIONS.service);
  }
  deleteService(name: string, expectedVersion: number): Promise<void> {
    return this.#entities.delete(STATE_PARTITIONS.service, name, expectedVersion);
  }

  /**
   * A conditional UpdateItem that sets only the `deleting` attribute, so the body and its version
   * stay as they are (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
   */
  async markServiceDeleting(name: string, expectedVersion: number): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: itemKey(STATE_PARTITIONS.service, name),
          UpdateExpression: 'SET #deleting = :true',
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#deleting': STATE_ATTRIBUTES.deleting, '#version': STATE_ATTRIBUTES.version },
          ExpressionAttributeValues: { ':true': { BOOL: true }, ':expected': { N: String(expectedVersion) } },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new StaleVersionError(`${STATE_PARTITIONS.service} ${name}`, { cause: err });
      throw err;
    }
  }

  async unmarkServiceDeleting(name: string): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: itemKey(STATE_PARTITIONS.service, name),
          UpdateExpression: 'REMOVE #deleting',
          // Without the condition, UpdateItem would create an item holding only the key.
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#deleting': STATE_ATTRIBUTES.deleting, '#pk': STATE_TABLE.partitionKey },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /**
   * A strongly consistent GetItem reflects every write acknowledged before it
   * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html),
   * so a rule put before this read is seen by any delete that marks the service after it.
   */
  async serviceAcceptsRules(name: string): Promise<boolean> {
    const item = await this.#entities.getItem(STATE_PARTITIONS.service, name);
    return item !== null && item[STATE_ATTRIBUTES.deleting] === undefined;
  }

  async nextRuleNumber(): Promise<number> {
    return this.#entities.increment(STATE_PARTITIONS.counter, RULE_COUNTER.sk, RULE_COUNTER.start);
  }
  putRule(rule: Rule, expectedVersion: number | null): Promise<void> {
    return this.#entities.put(STATE_PARTITIONS.rule, rule.ruleId, rule, expectedVersion);
  }
  getRule(ruleId: string): Promise<Rule | null> {
    return this.#entities.get<Rule>(STATE_PARTITIONS.rule, ruleId);
  }
  listRules(): Promise<Rule[]> {
    return this.#entities.list<Rule>(STATE_PARTITIONS.rule);
  }
  deleteRule(ruleId: string, expectedVersion: number): Promise<void> {
    return this.#entities.delete(STATE_PARTITIONS.rule, ruleId, expectedVersion);
  }

  getScaling(service: string): Promise<ServiceScaling | null> {
    return this.#entities.get<ServiceScaling>(STATE_PARTITIONS.scaling, service);
  }
  putScaling(scaling: ServiceScaling, expectedVersion: number | null): Promise<void> {
    return this.#entities.put(STATE_PARTITIONS.scaling, scaling.service, scaling, expectedVersion);
  }

  /** Takes the event if it is new or its holder's lease ran out; otherwise reports done or busy. */
  async claimEvent(eventId: string, leaseSeconds: number, now: Date): Promise<EventClaim> {
    // A second round covers an item that vanished (released or expired) between our two reads.
    const token = randomUUID();
    for (let round = 0; round < 3; round++) {
      try {
        await this.#client.send(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: key(STATE_PARTITIONS.event, eventId),
            UpdateExpression: 'SET #status = :inProgress, #lease = :lease, #owner = :token, #expires = :expires REMOVE #result',
            ConditionExpression: 'attribute_not_exists(#pk) OR (#status = :inProgress AND #lease < :now)',
            ExpressionAttributeNames: {
              '#pk': STATE_TABLE.partitionKey,
              '#status': STATE_ATTRIBUTES.status,
              '#lease': STATE_ATTRIBUTES.leaseUntil,
              '#expires': STATE_TABLE.ttlAttribute,
              '#result': STATE_ATTRIBUTES.result,
              '#owner': STATE_ATTRIBUTES.owner,
            },
            ExpressionAttributeValues: {
              ':inProgress': { S: IN_PROGRESS },
              ':token': { S: token },
              ':lease': { N: String(now.getTime() + leaseSeconds * 1000) },
              ':now': { N: String(now.getTime()) },
              ':expires': { N: String(expiresAt(now)) },
            },
          }),
        );
        return { status: 'claimed', token };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      const current = await this.#entities.getItem(STATE_PARTITIONS.event, eventId);
      if (!current) continue;
      if (current[STATE_ATTRIBUTES.status]?.S === DONE) {
        const result = current[STATE_ATTRIBUTES.result]?.S;
        return { status: 'done', result: result === undefined ? null : JSON.parse(result) };
      }
      return { status: 'busy' };
    }
    return { status: 'busy' };
  }

  /** Marks the claim done; a claim another invocation took over is left to that one. */
  async completeEvent(eventId: string, token: string, result: unknown, now: Date): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: key(STATE_PARTITIONS.event, eventId),
          UpdateExpression: 'SET #status = :done, #result = :result, #expires = :expires REMOVE #lease, #owner',
          ConditionExpression: '#owner = :token',
          ExpressionAttributeNames: {
            '#status': STATE_ATTRIBUTES.status,
            '#result': STATE_ATTRIBUTES.result,
            '#expires': STATE_TABLE.ttlAttribute,
            '#lease': STATE_ATTRIBUTES.leaseUntil,
            '#owner': STATE_ATTRIBUTES.owner,
          },
          ExpressionAttributeValues: {
            ':done': { S: DONE },
            ':result': { S: JSON.stringify(result ?? null) },
            ':expires': { N: String(expiresAt(now)) },
            ':token': { S: token },
          },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** Deletes this token's in-progress claim; a finished, missing or taken-over one is left as it is. */
  async releaseEvent(eventId: string, token: string): Promise<void> {
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: key(STATE_PARTITIONS.event, eventId),
          ConditionExpression: '#status = :inProgress AND #owner = :token',
          ExpressionAttributeNames: { '#status': STATE_ATTRIBUTES.status, '#owner': STATE_ATTRIBUTES.owner },
          ExpressionAttributeValues: { ':inProgress': { S: IN_PROGRESS }, ':token': { S: token } },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
}

const key = itemKey;

function expiresAt(now: Date): number {
  return Math.floor(now.getTime() / 1000) + EVENT_RETENTION_SECONDS;
}
