/**
 * Signed digests: a digest run over 1,000 changed streams, and a verify of one 100,000-record
 * stream against its digests, over dynalite, the local S3 server and the local signer (all in this
 * process, in memory). Baselines in the same run: for the digest run, finding the changed streams
 * and reading their new records without archiving or signing; for the verify, the same verify
 * without the archive (the hash chain alone).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BatchWriteItemCommand, DeleteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AUDIT_DIGEST_ITEMS, DynamoDbAuditDigestState } from '#adapters/aws/dynamodb-audit-digest-state.ts';
import { auditItem, DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { DynamoDbAuditOutbox } from '#adapters/aws/dynamodb-audit-outbox.ts';
import { dynamoDbClient } from '#adapters/aws/dynamodb-client.ts';
import { S3ArchiveStore, s3Client } from '#adapters/aws/s3-archive-store.ts';
import { AUDIT_TABLE } from '#adapters/aws/table-design.ts';
import { ensureTables, startDynalite } from '#adapters/local/dynalite-server.ts';
import { LocalAuditSigner } from '#adapters/local/local-audit-signer.ts';
import { startLocalS3 } from '#adapters/local/local-s3/s3-server.ts';
import { type AuditRecord, chainEntry } from '#domain/audit.ts';
import { runDigests } from '#use-cases/audit-digests.ts';
import { verifyAuditChain } from '#use-cases/audit-verify.ts';
import type { Figure } from './report.ts';
import { median, round } from './stats.ts';

const TABLE = 'bench-audit';
const BUCKET = 'bench-archive';

/** A record the size a reconcile pass writes. */
const entry = (service: string, n: number, base = Date.UTC(2026, 11, 3)) => ({
  time: new Date(base + n * 1_000).toISOString(),
  actor: 'role/hms-sys-reconciler',
  action: 'scale.decide',
  target: `deployment/bench/${service}`,
  before: { replicas: 20 },
  after: { replicas: 20 },
  outcome: 'skipped' as const,
  reasons: ['ceil(20 × 1000 / 500) = 40, capped at maxReplicas 20', 'already at 20'],
  requestId: `reconcile:${n}`,
  service,
  tags: { agency: 'GSA', program: 'Bench', fiscalYear: 'FY2027' },
});

async function writeAll(client: DynamoDBClient, records: AuditRecord[]): Promise<void> {
  const batches: AuditRecord[][] = [];
  for (let i = 0; i < records.length; i += 25) batches.push(records.slice(i, i + 25));
  const write = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      await client.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: batch.map((r) => ({ PutRequest: { Item: auditItem(r) } })) } }));
    }
  };
  await Promise.all(Array.from({ length: 8 }, write));
}

async function harness<T>(use: (parts: { client: DynamoDBClient; ports: Parameters<typeof runDigests>[0]; now: { at: Date } }) => Promise<T>): Promise<T> {
  const dynalite = await startDynalite();
  const keyDir = mkdtempSync(join(tmpdir(), 'bench-digest-key-'));
  const now = { at: new Date('2026-12-03T12:00:00.000Z') };
  const s3 = await startLocalS3({ buckets: [BUCKET], now: () => now.at });
  try {
    const client = dynamoDbClient({ endpoint: dynalite.endpoint });
    await ensureTables(client, { state: 'bench-state', audit: TABLE });
    const ports = {
      audit: new DynamoDbAuditLog({ client, tableName: TABLE }),
      auditOutbox: new DynamoDbAuditOutbox({ client, tableName: TABLE }),
      clock: { now: () => now.at },
      auditArchive: {
        archive: new S3ArchiveStore({ client: s3Client({ region: 'us-east-1', endpoint: s3.endpoint }), bucket: BUCKET }),
        signer: new LocalAuditSigner({ keyFile: join(keyDir, 'key.pem') }),
        digestState: new DynamoDbAuditDigestState({ client, tableName: TABLE }),
      },
    };
    return await use({ client, ports, now });
  } finally {
    await s3.close();
    await dynalite.close();
    rmSync(keyDir, { recursive: true, force: true });
  }
}

export interface DigestRunSample {
  digestMs: number;
  readOnlyMs: number;
  digests: number;
}

/** Each run: `perStream` new records on each of `streams` streams, then a digest run, beside the reads alone. */
export async function measureDigestRuns(streams: number, perStream: number, runs: number): Promise<DigestRunSample[]> {
  return harness(async ({ client, ports, now }) => {
    const heads = new Map<string, AuditRecord | null>();
    const samples: DigestRunSample[] = [];
    for (let run = 0; run <= runs; run++) {
      now.at = new Date(now.at.getTime() + 3_600_000);
      const fresh: AuditRecord[] = [];
      for (let s = 0; s < streams; s++) {
        const service = `svc-${s}`;
        let head = heads.get(service) ?? null;
        for (let n = 0; n < perStream; n++) {
          head = chainEntry(entry(service, run * perStream + n, now.at.getTime() - 600_000), `service#${service}`, head);
          fresh.push(head);
        }
        heads.set(service, head);
      }
      await writeAll(client, fresh);
      // The baseline: discovery and the same reads, nothing archived or signed.
      const since = new Date(now.at.getTime() - 3 * 3_600_000).toISOString();
      const readStart = performance.now();
      const changed = await ports.auditArchive.digestState.changedStreams(since);
      const queue = [...changed];
      const reader = async () => {
        for (let stream = queue.shift(); stream; stream = queue.shift()) {
          const head = await ports.auditArchive.digestState.getHead(stream);
          await ports.audit.readChain(stream, head?.lastSeq ?? 0, 10_000);
        }
      };
      await Promise.all(Array.from({ length: 8 }, reader));
      const readOnlyMs = performance.now() - readStart;
      const start = performance.now();
      const report = await runDigests(ports, { retentionDays: 365 });
      const digestMs = performance.now() - start;
      if (report.failures.length > 0 || report.digests.length !== streams)
        throw new Error(`digest bench: unexpected report ${JSON.stringify(report).slice(0, 500)}`);
      // The first run also publishes the key and finds no previous digests: a warm-up, not a sample.
      if (run > 0) samples.push({ digestMs, readOnlyMs, digests: report.digests.length });
    }
    return samples;
  });
}

export interface StreamVerifySample {
  withDigestsMs: number;
  chainOnlyMs: number;
  digests: number;
}

/** One stream of `count` records, digested (10,000 a digest), verified from genesis with its digests, beside the chain alone. */
export async function measureStreamVerify(count: number, runs: number): Promise<StreamVerifySample[]> {
  return harness(async ({ client, ports }) => {
    const records: AuditRecord[] = [];
    for (let n = 1; n <= count; n++) records.push(chainEntry(entry('api', n, Date.UTC(2026, 11, 2)), 'service#api', records.at(-1) ?? null));
    await writeAll(client, records);
    const digestRun = await runDigests(ports, { retentionDays: 365 });
    if (digestRun.failures.length > 0) throw new Error(`verify bench: digest run failed ${JSON.stringify(digestRun.failures)}`);
    const budget = { maxRecords: count, pageSize: 1_000, shouldStop: () => false };
    const { auditArchive: _archive, ...chainOnly } = ports;
    const samples: StreamVerifySample[] = [];
    for (let run = 0; run < runs; run++) {
      // Each verify walks every digest again: forget the digest checkpoint the last one stored.
      await client.send(
        new DeleteItemCommand({
          TableName: TABLE,
          Key: { [AUDIT_TABLE.partitionKey]: { S: `${AUDIT_DIGEST_ITEMS.markPrefix.verified}service#api` }, [AUDIT_TABLE.sortKey]: { N: '0' } },
        }),
      );
      const chainStart = performance.now();
      const plain = await verifyAuditChain(chainOnly, { service: 'api', from: 'genesis' }, budget);
      const chainOnlyMs = performance.now() - chainStart;
      const start = performance.now();
      const report = await verifyAuditChain(ports, { service: 'api', from: 'genesis' }, budget);
      const withDigestsMs = performance.now() - start;
      if (!plain.intact || !report.intact || !report.complete || report.records !== count || !report.digests?.complete) {
        throw new Error(`verify bench: unexpected report ${JSON.stringify({ ...report, checkpoint: undefined })}`);
      }
      samples.push({ withDigestsMs, chainOnlyMs, digests: report.digests.checked });
    }
    return samples;
  });
}

export function digestFigures(streams: number, runs: DigestRunSample[], verifyCount: number, verifies: StreamVerifySample[]): Figure[] {
  const digestMs = median(runs.map((s) => s.digestMs));
  const readOnlyMs = median(runs.map((s) => s.readOnlyMs));
  const withDigestsMs = median(verifies.map((s) => s.withDigestsMs));
  const chainOnlyMs = median(verifies.map((s) => s.chainOnlyMs));
  return [
    {
      name: `audit digest run over ${streams.toLocaleString('en-US')} changed streams (dynalite, local S3, local key)`,
      value: round(digestMs),
      unit: 'ms',
      details: {
        medianReadOnlyMs: round(readOnlyMs),
        ratioToReadOnly: round(digestMs / readOnlyMs),
        perStreamMs: round(digestMs / streams),
        samples: runs,
        note: 'baseline: finding the changed streams and reading their new records, with nothing archived or signed; each digest is two S3 puts and one signature',
      },
    },
    {
      name: `audit verify of one ${verifyCount.toLocaleString('en-US')}-record stream with its digests (dynalite, local S3)`,
      value: round(withDigestsMs),
      unit: 'ms',
      details: {
        medianChainOnlyMs: round(chainOnlyMs),
        ratioToChainOnly: round(withDigestsMs / chainOnlyMs),
        recordsPerSecond: round(verifyCount / (withDigestsMs / 1000)),
        samples: verifies,
        note: 'baseline: the same genesis verify without the archive (the hash chain alone); the API answers in 20 s calls, paging from its checkpoints',
      },
    },
  ];
}
