// One-off upgrade step (README, Audit): gives audit records written before the sharded time index
// their `timeShard`, so `GET /audit` lists them once byTimeShard serves it. It talks to DynamoDB
// directly with YOUR credentials (the functions' audit grant is append-only: no UpdateItem), which
// need dynamodb:Scan and dynamodb:UpdateItem on the audit table and use of its KMS key.
//
//   npx tsx bin/audit-backfill-index.ts --table <audit table name> [--region <region>] [--endpoint <url>]
//
// Safe to repeat and to run beside live appends: each update sets only the index attributes, and
// only on a record that exists and has no shard yet.
import { parseArgs } from 'node:util';
import { dynamoDbClient } from '#adapters/aws/dynamodb-client.ts';
import { backfillAuditIndex } from './audit-backfill.ts';

const { values } = parseArgs({
  options: { table: { type: 'string' }, region: { type: 'string' }, endpoint: { type: 'string' } },
});
if (!values.table) {
  console.error('usage: npx tsx bin/audit-backfill-index.ts --table <audit table name> [--region <region>] [--endpoint <url>]');
  process.exit(2);
}

const client = dynamoDbClient({ region: values.region, endpoint: values.endpoint });
const result = await backfillAuditIndex({
  client,
  tableName: values.table,
  onPage: (progress) => console.error(`… ${progress.found} found, ${progress.updated} updated`),
});
console.log(`${values.table}: ${result.found} records without a time shard, ${result.updated} updated, ${result.skipped} already had one`);
