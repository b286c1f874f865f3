import { type AttributeValue, DeleteItemCommand, type DynamoDBClient, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AuditOutbox, OutboxClaim, PendingAudit } from '#ports/audit-outbox.ts';
import { AUDIT_OUTBOX } from './audit-outbox-keys.ts';
import { isConditionFailure } from './dynamodb-client.ts';
import { AUDIT_TABLE } from './table-design.ts';

type Item = Record<string, AttributeValue>;

export interface DynamoDbAuditOutboxOptions {
  client: DynamoDBClient;
  tableName: string;
}

interface OutboxKey {
  shard: string;
  /** A decimal number: createdAt in epoch ms times 10^6, plus 6 digits of the id's hash. */
  position: string;
}

/** Keys remembered from puts and listings, so a delete needs no query; beyond this, the oldest are forgotten. */
const REMEMBERED_KEYS = 10_000;

/**
 * AuditOutbox on the audit table. An item's key comes from its id and creation time: partition
 * `outbox#<FNV-1a(id) mod 4>`, sort key createdAt (ms) then 6 digits of the id's hash, so each
 * shard reads oldest first and a retried put with the same pending audit writes the same item.
 * A delete of an id this instance has not seen reads the id's one shard to find its key.
 */
export class DynamoDbAuditOutbox implements AuditOutbox {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #keys = new Map<string, OutboxKey>();

  constructor(options: DynamoDbAuditOutboxOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async put(pending: PendingAudit): Promise<void> {
    const key = outboxKey(pending);
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: { ...keyItem(key), [AUDIT_OUTBOX.id]: { S: pending.id }, [AUDIT_OUTBOX.pending]: { S: JSON.stringify(pending) } },
      }),
    );
    this.#remember(pending.id, key);
  }

  async delete(id: string): Promise<void> {
    const keys = this.#keys.has(id) ? [this.#keys.get(id) as OutboxKey] : await this.#find(id);
    // DeleteItem on a key that holds nothing succeeds, so a repeated delete is harmless.
    for (const key of keys) await this.#client.send(new DeleteItemCommand({ TableName: this.#table, Key: keyItem(key) }));
    this.#keys.delete(id);
  }

  /**
   * One conditional UpdateItem. The item must exist: UpdateItem on an absent key would create one
   * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html), and a
   * claim must never bring back an item another drainer deleted. afterSeq is set only if absent.
   */
  async claim(id: string, claim: OutboxClaim, now: string): Promise<OutboxClaim | null> {
    const [key] = this.#keys.has(id) ? [this.#keys.get(id) as OutboxKey] : await this.#find(id);
    if (!key) return null;
    try {
      const out = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: keyItem(key),
          UpdateExpression: 'SET #by = :by, #until = :until, #after = if_not_exists(#after, :after)',
          ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#until) OR #until <= :now OR #by = :by)',
          ExpressionAttributeNames: { '#pk': AUDIT_TABLE.partitionKey, '#by': CLAIM.by, '#until': CLAIM.until, '#after': CLAIM.afterSeq },
          ExpressionAttributeValues: {
            ':by': { S: claim.by },
            ':until': { N: String(epochMs(claim.until)) },
            ':after': { N: String(claim.afterSeq) },
            ':now': { N: String(epochMs(now)) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = out.Attributes ?? {};
      return { by: item[CLAIM.by]?.S ?? claim.by, until: claim.until, afterSeq: Number(item[CLAIM.afterSeq]?.N ?? claim.afterSeq) };
    } catch (err) {
      if (isConditionFailure(err)) return null;
      throw err;
    }
  }

  /** Removes the claim only while `by` holds it; the condition also keeps an absent item absent. */
  async release(id: string, by: string): Promise<void> {
    const [key] = this.#keys.has(id) ? [this.#keys.get(id) as OutboxKey] : await this.#find(id);
    if (!key) return;
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: keyItem(key),
          UpdateExpression: 'REMOVE #by, #until',
          ConditionExpression: '#by = :by',
          ExpressionAttributeNames: { '#by': CLAIM.by, '#until': CLAIM.until },
          ExpressionAttributeValues: { ':by': { S: by } },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** Each shard's oldest `limit`, merged: the oldest `limit` of the whole outbox. */
  async list(limit: number): Promise<PendingAudit[]> {
    const want = Math.max(0, Math.floor(limit));
    if (want === 0) return [];
    const shards = await Promise.all(shardNames().map((shard) => this.#oldest(shard, want)));
    const merged = shards.flat().sort((a, b) => comparePositions(a.key.position, b.key.position));
    const page = merged.slice(0, want);
    for (const { pending, key } of page) this.#remember(pending.id, key);
    return page.map(({ pending }) => pending);
  }

  async #oldest(shard: string, want: number): Promise<{ key: OutboxKey; pending: PendingAudit }[]> {
    const found: { key: OutboxKey; pending: PendingAudit }[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: '#pk = :shard',
          ExpressionAttributeNames: { '#pk': AUDIT_TABLE.partitionKey },
          ExpressionAttributeValues: { ':shard': { S: shard } },
          ScanIndexForward: true,
          ConsistentRead: true,
          Limit: want - found.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) found.push(fromItem(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey && found.length < want);
    return found;
  }

  /** Every key in the id's shard holding that id (normally one): read whole, filtered on the id. */
  async #find(id: string): Promise<OutboxKey[]> {
    const shard = shardOf(id);
    const keys: OutboxKey[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: '#pk = :shard',
          FilterExpression: '#id = :id',
          ExpressionAttributeNames: { '#pk': AUDIT_TABLE.partitionKey, '#id': AUDIT_OUTBOX.id },
          ExpressionAttributeValues: { ':shard': { S: shard }, ':id': { S: id } },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) keys.push({ shard, position: item[AUDIT_TABLE.sortKey]?.N ?? '0' });
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return keys;
  }

  #remember(id: string, key: OutboxKey): void {
    this.#keys.delete(id);
    this.#keys.set(id, key);
    if (this.#keys.size > REMEMBERED_KEYS) this.#keys.delete(this.#keys.keys().next().value as string);
  }
}

/** A claim's attributes on the item (the pending audit itself stays in its JSON attribute). */
const CLAIM = { by: 'claimedBy', until: 'claimedUntil', afterSeq: 'claimAfterSeq' } as const;

function epochMs(time: string): number {
  const ms = Date.parse(time);
  if (!Number.isFinite(ms)) throw new Error(`not a time: ${JSON.stringify(time)}`);
  return ms;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

const shardNames = () => Array.from({ length: AUDIT_OUTBOX.shards }, (_, i) => `${AUDIT_OUTBOX.streamPrefix}${i}`);
const shardOf = (id: string) => `${AUDIT_OUTBOX.streamPrefix}${fnv1a(id) % AUDIT_OUTBOX.shards}`;

/** DynamoDB numbers keep 38 digits, so ms x 10^6 + 6 digits (about 1.8 x 10^18) is stored exactly; BigInt builds it. */
export function outboxKey(pending: Pick<PendingAudit, 'id' | 'createdAt'>): OutboxKey {
  const ms = Date.parse(pending.createdAt);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`outbox entry ${pending.id} has no valid createdAt (${JSON.stringify(pending.createdAt)})`);
  const position = BigInt(ms) * 1_000_000n + BigInt(fnv1a(`${pending.id}#position`) % 1_000_000);
  return { shard: shardOf(pending.id), position: position.toString() };
}

function comparePositions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const keyItem = (key: OutboxKey): Item => ({ [AUDIT_TABLE.partitionKey]: { S: key.shard }, [AUDIT_TABLE.sortKey]: { N: key.position } });

function fromItem(item: Item): { key: OutboxKey; pending: PendingAudit } {
  const json = item[AUDIT_OUTBOX.pending]?.S;
  const shard = item[AUDIT_TABLE.partitionKey]?.S ?? '';
  const position = item[AUDIT_TABLE.sortKey]?.N ?? '0';
  if (json === undefined) throw new Error(`outbox item ${shard}/${position} has no pending audit`);
  return { key: { shard, position }, pending: JSON.parse(json) as PendingAudit };
}
