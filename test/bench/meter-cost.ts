/**
 * The meter's cost per run for many services: wall time, DynamoDB calls and Kubernetes calls,
 * with the real adapters over the wire (dynalite in memory, the Kubernetes simulator on loopback).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { DynamoDbAuditOutbox } from '#adapters/aws/dynamodb-audit-outbox.ts';
import { dynamoDbClient } from '#adapters/aws/dynamodb-client.ts';
import { DynamoDbLedgerStore } from '#adapters/aws/dynamodb-ledger-store.ts';
import { DynamoDbStateStore } from '#adapters/aws/dynamodb-state-store.ts';
import { KubernetesCluster } from '#adapters/aws/kubernetes-cluster.ts';
import { ensureTables, startDynalite } from '#adapters/local/dynalite-server.ts';
import { startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import { LocalEventPublisher } from '#adapters/local/local-event-publisher.ts';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import type { PublishingPorts } from '#ports/ports.ts';
import { meterUsage } from '#use-cases/meter.ts';
import type { Figure } from './report.ts';
import { median, round } from './stats.ts';

export interface MeterSample {
  ms: number;
  dynamoCalls: number;
  kubernetesCalls: number;
  metered: number;
}

function countCalls(client: DynamoDBClient, counter: { n: number }): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      counter.n += 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
}

/** Registers `services` services, each with a budget, then times `runs` meter runs a minute apart. */
export async function measureMeterCost(services: number, runs: number): Promise<MeterSample[]> {
  const dynalite = await startDynalite();
  const token = randomBytes(16).toString('hex');
  const k8s = await startK8sSimulator({ token, podReadyDelayMs: 10, capacity: { podsPerNode: 110, maxNodes: 100 } });
  try {
    const client = dynamoDbClient({ endpoint: dynalite.endpoint });
    await ensureTables(client, { state: 'bench-state', audit: 'bench-audit' });
    const clock = new OffsetClock();
    const ports: PublishingPorts = {
      store: new DynamoDbStateStore({ client, tableName: 'bench-state' }),
      ledger: new DynamoDbLedgerStore({ client, tableName: 'bench-state' }),
      audit: new DynamoDbAuditLog({ client, tableName: 'bench-audit' }),
      auditOutbox: new DynamoDbAuditOutbox({ client, tableName: 'bench-audit' }),
      cluster: new KubernetesCluster({ endpointFor: async () => ({ url: k8s.url }), tokenFor: async () => token }),
      events: new LocalEventPublisher({ clock }),
      clock,
      knownClusters: ['bench'],
      pricingRegion: 'us-east-1',
      capacityTimings: { nodeProvisioningSeconds: 90, podReadySeconds: 20 },
    };
    const tags = { agency: 'GSA', program: 'Bench', fiscalYear: 'FY2027' };
    const now = clock.now().toISOString();
    const register = async (name: string) => {
      k8s.seedDeployment({ namespace: 'bench', name, replicas: 2, podRequests: { cpu: '250m', memory: '512Mi' } });
      await ports.store.putService({ name, cluster: 'bench', namespace: 'bench', deployment: name, tags, createdAt: now, version: 1 }, null);
      await ports.ledger.putBudget({ service: name, monthlyUSD: 1_000, thresholds: [80, 100], tags, createdAt: now, updatedAt: now, version: 1 }, null);
    };
    for (let i = 0; i < services; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, services - i) }, (_, j) => register(`svc-${i + j}`)));
    }
    const caller = { actor: 'role/hms-sys-meter', requestId: 'bench' };
    await meterUsage(ports, caller); // the first run creates every usage item
    const dynamo = { n: 0 };
    countCalls(client, dynamo);
    let kubernetesCalls = 0;
    k8s.onRequest(() => {
      kubernetesCalls += 1;
    });
    const samples: MeterSample[] = [];
    for (let run = 0; run < runs; run++) {
      clock.advance(60_000);
      [dynamo.n, kubernetesCalls] = [0, 0];
      const started = performance.now();
      const report = await meterUsage(ports, caller);
      samples.push({ ms: performance.now() - started, dynamoCalls: dynamo.n, kubernetesCalls, metered: report.metered });
      if (report.errors.length > 0) throw new Error(`meter errors: ${JSON.stringify(report.errors.slice(0, 3))}`);
    }
    return samples;
  } finally {
    await k8s.close();
    await dynalite.close();
  }
}

export function meterCostFigures(services: number, samples: MeterSample[]): Figure[] {
  const ms = median(samples.map((s) => s.ms));
  const dynamo = median(samples.map((s) => s.dynamoCalls));
  return [
    {
      name: `meter run for ${services.toLocaleString('en-US')} services, median wall time`,
      value: round(ms / 1000),
      unit: 's',
      target: { max: 60, unit: 's' },
      details: { samples },
    },
    { name: '  DynamoDB calls per meter run', value: dynamo, unit: 'calls', details: { perService: round(dynamo / services, 3) } },
    { name: '  Kubernetes API calls per meter run', value: median(samples.map((s) => s.kubernetesCalls)), unit: 'calls' },
    { name: '  services metered per second', value: round(services / (ms / 1000)), unit: '/s' },
  ];
}
