import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbClient } from '#adapters/aws/dynamodb-client.ts';
import { type DynaliteServer, ensureTables, startDynalite } from '#adapters/local/dynalite-server.ts';

/**
 * abstract-level keeps each database's open iterators in a private registry, entered through
 * attachResource and left through detachResource; count the iterators in it, for every
 * abstract-level copy dynalite's storage packages load.
 */
function countOpenIterators(): Set<object> {
  const open = new Set<object>();
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const stores = [fromDynalite.resolve('memory-level'), createRequire(fromDynalite.resolve('level')).resolve('classic-level')];
  for (const store of stores) {
    const { AbstractLevel, AbstractIterator } = createRequire(store)('abstract-level');
    const iteratorBase = Object.getPrototypeOf(AbstractIterator.prototype);
    const { attachResource, detachResource } = AbstractLevel.prototype;
    AbstractLevel.prototype.attachResource = function (this: unknown, resource: object) {
      if (iteratorBase.isPrototypeOf(resource)) open.add(resource);
      return attachResource.call(this, resource);
    };
    AbstractLevel.prototype.detachResource = function (this: unknown, resource: object) {
      open.delete(resource);
      return detachResource.call(this, resource);
    };
  }
  return open;
}

const QUERIES = 200;
const open = countOpenIterators();

for (const storage of ['on disk', 'in memory'] as const) {
  describe(`dynalite ${storage} after many queries`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dynalite-iterators-'));
    let server: DynaliteServer;
    let client: ReturnType<typeof dynamoDbClient>;
    const tables = { state: 'iterators-state', audit: 'iterators-audit' };

    beforeAll(async () => {
      server = await startDynalite(storage === 'on disk' ? { dataDir } : {});
      client = dynamoDbClient({ endpoint: server.endpoint });
      await ensureTables(client, tables);
      for (let i = 0; i < 30; i++) {
        await client.send(new PutItemCommand({ TableName: tables.state, Item: { pk: { S: 'SERVICE' }, sk: { S: `svc-${i}` } } }));
      }
    });
    afterAll(async () => {
      await server?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const query = (limit?: number) =>
      client.send(
        new QueryCommand({
          TableName: tables.state,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'SERVICE' } },
          ...(limit ? { Limit: limit } : {}),
        }),
      );

    it('has no iterator left open once each Query has answered, read to the end or cut short by Limit', async () => {
      for (let i = 0; i < QUERIES; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => query(j % 2 === 0 ? undefined : 5)));
      const answer = await query();
      expect(answer.Items).toHaveLength(30);
      // A stream closes its iterator from destroy, after the answer was sent: let that run.
      await new Promise((resolve) => setImmediate(resolve));
      expect(open.size).toBe(0);
    });

    it('has no iterator left open after Scans', async () => {
      for (let i = 0; i < QUERIES / 10; i++) await client.send(new ScanCommand({ TableName: tables.state, Limit: 10 }));
      await new Promise((resolve) => setImmediate(resolve));
      expect(open.size).toBe(0);
    });
  });
}
