/**
 * Audit verification throughput: one stream in dynalite (in memory), verified from genesis in
 * 1,000-record pages through the DynamoDB adapter, beside the same pages only read (the baseline),
 * so the ratio is what hashing and chain checks add to the reads.
 */
import { performance } from 'node:perf_hooks';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { auditItem, DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { dynamoDbClient } from '#adapters/aws/dynamodb-client.ts';
import { ensureTables, startDynalite } from '#adapters/local/dynalite-server.ts';
import { type AuditRecord, chainEntry } from '#domain/audit.ts';
import { verifyAuditChain } from '#use-cases/audit-verify.ts';
import type { Figure } from './report.ts';
import { median, round } from './stats.ts';

export interface VerifySample {
  verifyMs: number;
  readMs: number;
}

const PAGE = 1_000;

/** A stream of `count` scale.decide-sized records, as a reconcile pass writes them. */
function chain(count: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let n = 1; n <= count; n++) {
    records.push(
      chainEntry(
        {
          time: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString(),
          actor: 'role/hms-sys-reconciler',
          action: 'scale.decide',
          target: 'deployment/bench/api',
          before: { replicas: 20 },
          after: { replicas: 20 },
          outcome: 'skipped',
          reasons: ['ceil(20 × 1000 / 500) = 40, capped at maxReplicas 20', 'already at 20'],
          requestId: `reconcile:${n}`,
          service: 'api',
          tags: { agency: 'GSA', program: 'Bench', fiscalYear: 'FY2027' },
        },
        'service#api',
        records.at(-1) ?? null,
      ),
    );
  }
  return records;
}

export async function measureAuditVerify(count: number, runs: number): Promise<VerifySample[]> {
  const dynalite = await startDynalite();
  try {
    const client = dynamoDbClient({ endpoint: dynalite.endpoint });
    await ensureTables(client, { state: 'bench-state', audit: 'bench-audit' });
    const batches: AuditRecord[][] = [];
    const records = chain(count);
    for (let i = 0; i < records.length; i += 25) batches.push(records.slice(i, i + 25));
    const write = async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        await client.send(new BatchWriteItemCommand({ RequestItems: { 'bench-audit': batch.map((r) => ({ PutRequest: { Item: auditItem(r) } })) } }));
      }
    };
    await Promise.all(Array.from({ length: 8 }, write));

    const log = new DynamoDbAuditLog({ client, tableName: 'bench-audit' });
    const ports = { audit: log, clock: { now: () => new Date() } };
    const samples: VerifySample[] = [];
    for (let run = 0; run < runs; run++) {
      // Interleaved, so both see the same machine load.
      const readStart = performance.now();
      for (let after = 0, more = true; more; ) {
        const page = await log.readChain('service#api', after, PAGE);
        after = page.records.at(-1)?.seq ?? after;
        more = page.more;
      }
      const readMs = performance.now() - readStart;
      const verifyStart = performance.now();
      const report = await verifyAuditChain(ports, { service: 'api', from: 'genesis' }, { maxRecords: count, pageSize: PAGE, shouldStop: () => false });
      const verifyMs = performance.now() - verifyStart;
      if (!report.intact || !report.complete || report.records !== count) throw new Error(`verify bench: unexpected report ${JSON.stringify(report)}`);
      samples.push({ verifyMs, readMs });
    }
    return samples;
  } finally {
    await dynalite.close();
  }
}

export function auditVerifyFigures(count: number, samples: VerifySample[]): Figure[] {
  const verifyMs = median(samples.map((s) => s.verifyMs));
  const readMs = median(samples.map((s) => s.readMs));
  const perSecond = count / (verifyMs / 1000);
  return [
    {
      name: `audit verify of ${count.toLocaleString('en-US')} records (dynalite), throughput`,
      value: round(perSecond),
      unit: 'records/s',
      details: {
        medianVerifyMs: round(verifyMs),
        medianReadOnlyMs: round(readMs),
        ratioToReadOnly: round(verifyMs / readMs),
        recordsPer20sCall: Math.floor(perSecond * 20),
        callsForAYearAtOneAMinute: Math.ceil((365 * 1_440) / (perSecond * 20)),
        samples,
        note: 'baseline: the same 1,000-record pages read without hashing; dynalite is not DynamoDB, so read time is indicative only',
      },
    },
  ];
}
