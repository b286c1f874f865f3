/**
 * The check that isolates dynalite's iterator leak (issue 13): 4,000 Queries against a disk-backed
 * dynalite, and the live heap after a forced collection before and after, per query. Run alone:
 *   node --expose-gc --import tsx test/bench/dynalite-query-heap.ts
 * Without shared/adapters/local/dynalite-iterators.ts about 4-10 KB stays live per query; with it, under 0.5 KB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient } from '#adapters/aws/dynamodb-client.ts';
import { ensureTables, startDynalite } from '#adapters/local/dynalite-server.ts';

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with node --expose-gc');
const QUERIES = 4_000;
const dir = mkdtempSync(join(tmpdir(), 'dynalite-heap-'));
const server = await startDynalite({ dataDir: dir });
try {
  const client = dynamoDbClient({ endpoint: server.endpoint });
  await ensureTables(client, { state: 'heap-state', audit: 'heap-audit' });
  for (let i = 0; i < 20; i++) await client.send(new PutItemCommand({ TableName: 'heap-state', Item: { pk: { S: 'SERVICE' }, sk: { S: `svc-${i}` } } }));
  const query = () =>
    client.send(new QueryCommand({ TableName: 'heap-state', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'SERVICE' } } }));
  const liveHeap = () => {
    collect();
    collect();
    return process.memoryUsage().heapUsed;
  };
  for (let i = 0; i < 200; i++) await query(); // warm-up
  const before = liveHeap();
  for (let i = 0; i < QUERIES; i += 10) await Promise.all(Array.from({ length: 10 }, query));
  const after = liveHeap();
  console.log(
    JSON.stringify({
      queries: QUERIES,
      liveHeapBeforeMiB: +(before / 2 ** 20).toFixed(1),
      liveHeapAfterMiB: +(after / 2 ** 20).toFixed(1),
      perQueryKB: +((after - before) / QUERIES / 1024).toFixed(2),
    }),
  );
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
