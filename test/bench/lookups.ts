/**
 * What recording a lookup adds to a read: the API handler serves GET /services/{name} (one
 * GetItem) and GET /audit (a page of changes: a Query per time-index shard) over dynalite, once
 * with the DynamoDB audit outbox (the lookup's PutItem runs beside the read) and once with an
 * outbox that stores nothing (the baseline), interleaved in one run so both see the same load.
 */
import { performance } from 'node:perf_hooks';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { DynamoDbAuditOutbox } from '#adapters/aws/dynamodb-audit-outbox.ts';
import { dynamoDbClient } from '#adapters/aws/dynamodb-client.ts';
import { DynamoDbLedgerStore } from '#adapters/aws/dynamodb-ledger-store.ts';
import { DynamoDbStateStore } from '#adapters/aws/dynamodb-state-store.ts';
import { ensureTables, startDynalite } from '#adapters/local/dynalite-server.ts';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import { createApiHandler } from '#functions/api/api.ts';
import { routes } from '#functions/api/triggers.ts';
import type { ApiEvent, ApiResult } from '#functions/http/http.ts';
import type { AuditOutbox } from '#ports/audit-outbox.ts';
import type { Ports } from '#ports/ports.ts';
import { apiGatewayEvent } from '#sandbox/api-server.ts';
import { lambdaContext } from '#sandbox/local-bus.ts';
import type { Figure } from './report.ts';
import { percentile, round } from './stats.ts';

export interface LookupLatency {
  read: string;
  /** Milliseconds per request, in the order taken. */
  withRecording: number[];
  withoutRecording: number[];
  /** Lookups the recording handler left in the outbox: one per timed or warm-up request. */
  recorded: number;
}

/** Reads the ports of these reads never reach; a call would fail the bench rather than go unnoticed. */
const unused = (name: string) =>
  new Proxy(
    {},
    {
      get: (_, method) => {
        throw new Error(`the lookup bench does not use ${name}.${String(method)}`);
      },
    },
  );

/** An outbox that keeps nothing: the handler as it was before lookups were recorded. */
const discarding: AuditOutbox = {
  put: async () => undefined,
  delete: async () => undefined,
  list: async () => [],
  claim: async () => null,
  release: async () => undefined,
};

export async function measureLookupLatency(requests: number, warmup: number): Promise<LookupLatency[]> {
  const dynalite = await startDynalite();
  try {
    const client = dynamoDbClient({ endpoint: dynalite.endpoint });
    await ensureTables(client, { state: 'bench-state', audit: 'bench-audit' });
    const outbox = new DynamoDbAuditOutbox({ client, tableName: 'bench-audit' });
    const base = {
      store: new DynamoDbStateStore({ client, tableName: 'bench-state' }),
      ledger: new DynamoDbLedgerStore({ client, tableName: 'bench-state' }),
      audit: new DynamoDbAuditLog({ client, tableName: 'bench-audit' }),
      clock: new OffsetClock(),
      cluster: unused('cluster'),
      metrics: unused('metrics'),
      knownClusters: ['bench'],
      pricingRegion: 'us-east-1',
      capacityTimings: { nodeProvisioningSeconds: 90, podReadySeconds: 20 },
    };
    const recordingPorts = { ...base, auditOutbox: outbox } as unknown as Ports;
    const baselinePorts = { ...base, auditOutbox: discarding } as unknown as Ports;
    // Registered without a cluster check, as a restore would write it: the reads only need it stored.
    await base.store.putService(
      {
        name: 'bench-api',
        cluster: 'bench',
        namespace: 'bench',
        deployment: 'api',
        tags: { agency: 'GSA', program: 'Bench', fiscalYear: 'FY2027' },
        createdAt: new Date().toISOString(),
        version: 1,
      },
      null,
    );
    const reporter = { error: (message: string) => console.error(`bench: ${message}`) };
    const recording = createApiHandler(async () => ({ ports: recordingPorts, controllerActor: 'role/bench' }), reporter);
    const baseline = createApiHandler(async () => ({ ports: baselinePorts, controllerActor: 'role/bench' }), reporter);

    const reads: Array<{ read: string; path: string; pathParameters: Record<string, string> }> = [
      { read: 'GET /services/{name}', path: '/services/bench-api', pathParameters: { name: 'bench-api' } },
      { read: 'GET /audit', path: '/audit?limit=50', pathParameters: {} },
    ];
    const results: LookupLatency[] = [];
    for (const { read, path, pathParameters } of reads) {
      const route = routes.find((r) => `${r.method} ${r.path}` === read)!;
      const timed = async (handler: typeof recording) => {
        const event = apiGatewayEvent({
          method: 'GET',
          url: new URL(path, 'http://bench'),
          headers: {},
          body: '',
          route,
          pathParameters,
          claims: { sub: 'user/bench', scope: 'hms/rules.read hms/audit.read' },
          sourceIp: '127.0.0.1',
        });
        const start = performance.now();
        const result = (await handler(event as unknown as ApiEvent, lambdaContext('api'))) as ApiResult;
        const ms = performance.now() - start;
        if (result.statusCode !== 200) throw new Error(`lookup bench: ${read} answered ${result.statusCode} ${result.body}`);
        return ms;
      };
      const before = (await outbox.list(1_000_000)).length;
      const sample: LookupLatency = { read, withRecording: [], withoutRecording: [], recorded: 0 };
      for (let i = 0; i < warmup + requests; i++) {
        // Alternate which goes first, so neither always follows the other's garbage.
        const pair = i % 2 === 0 ? [await timed(recording), await timed(baseline)] : [await timed(baseline), await timed(recording)].reverse();
        if (i < warmup) continue;
        sample.withRecording.push(pair[0]!);
        sample.withoutRecording.push(pair[1]!);
      }
      sample.recorded = (await outbox.list(1_000_000)).length - before;
      if (sample.recorded !== warmup + requests) throw new Error(`lookup bench: ${sample.recorded} lookups stored for ${warmup + requests} reads`);
      results.push(sample);
    }
    return results;
  } finally {
    await dynalite.close();
  }
}

export function lookupLatencyFigures(samples: LookupLatency[]): Figure[] {
  return samples.flatMap((s) => {
    const p = (xs: number[], q: number) => percentile(xs, q);
    const added50 = p(s.withRecording, 50) - p(s.withoutRecording, 50);
    const added99 = p(s.withRecording, 99) - p(s.withoutRecording, 99);
    const details = {
      requests: s.withRecording.length,
      p50WithMs: round(p(s.withRecording, 50), 3),
      p50WithoutMs: round(p(s.withoutRecording, 50), 3),
      p99WithMs: round(p(s.withRecording, 99), 3),
      p99WithoutMs: round(p(s.withoutRecording, 99), 3),
      ratioP50: round(p(s.withRecording, 50) / p(s.withoutRecording, 50)),
      lookupsStored: s.recorded,
      note: 'baseline: the same handler with an outbox that stores nothing, interleaved; dynalite runs in this process, so the put and the read share one CPU here where DynamoDB serves them in parallel',
    };
    return [
      { name: `lookup recording, added p50 latency of ${s.read} (dynalite)`, value: round(added50, 3), unit: 'ms', details },
      { name: `lookup recording, added p99 latency of ${s.read} (dynalite)`, value: round(added99, 3), unit: 'ms', details },
    ];
  });
}
