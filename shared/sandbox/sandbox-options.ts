import type { CapacityOptions } from '#adapters/local/k8s-sim/capacity.ts';
import type { startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import type { LocalAlarmEvaluator } from '#adapters/local/local-alarm-evaluator.ts';
import type { LocalDeadLetter } from '#adapters/local/local-dead-letter.ts';
import type { LocalEventPublisher } from '#adapters/local/local-event-publisher.ts';
import type { LocalScheduler } from '#adapters/local/local-scheduler.ts';
import type { Clock } from '#ports/clock.ts';
import type { MeshConfig, Ports, PublishingPorts, SchedulingPorts, Wiring } from '#ports/ports.ts';
import type { AuditArchiveSandbox } from './audit-archive-sandbox.ts';
import type { LocalBus } from './local-bus.ts';
import type { MeshDataPlaneSandbox } from './mesh-data-plane-sandbox.ts';
import type { MeshSandbox } from './mesh-sandbox.ts';
import type { SecretsSandbox } from './secrets-sandbox.ts';

/** What startSandbox takes and what it hands back (sandbox.ts). */
export interface SandboxOptions {
  /** API port; 0 picks a free one. */
  port?: number;
  /** Where dynalite, the dev key and parked events persist; a temporary folder when absent. */
  dataDir?: string;
  /** Keep DynamoDB state, the simulated cluster (k8s-sim.json) and the alarms (alarms.json) on disk under dataDir (the default) or only in memory. */
  persistState?: boolean;
  podReadyDelayMs?: number;
  /** Seconds between reconcile passes (the schedule's 1 minute in AWS). */
  reconcileSeconds?: number;
  /** How old an audit intent must be before a drainer resolves it (HMS_AUDIT_OUTBOX_GRACE_SECONDS; 900). At start, 0. */
  auditOutboxGraceSeconds?: number;
  /** Retry pause for failed local deliveries, as Lambda's async retries. */
  retryDelayMs?: number;
  /** Copies per function at once (hms:reservedConcurrency; cdk.json's, else 5, when absent); undefined reserves none. */
  reservedConcurrency?: number | undefined;
  /** How long an event throttled by that limit waits in its function's queue before it may start (1 s, as Lambda's first retry). */
  throttleRetryMs?: number;
  /** Kubernetes client deadline per call. */
  clusterTimeoutMs?: number;
  /** The controllers' and alarm evaluator's clock; tests and the demo move it forward. */
  clock?: Clock;
  /** Seconds between alarm re-evaluations, as CloudWatch evaluates every period even without new data. */
  alarmEvaluationSeconds?: number;
  /** When the simulated mesh's root CA (the cacerts Secret made at the cluster's first start) expires; 10 years by default. */
  meshRootCaNotAfter?: Date;
  /** The simulated cluster's nodes: pods per node, node-group ceiling, provisioning delay. */
  capacity?: Partial<CapacityOptions>;
  /** The region whose Fargate rates price pods; us-east-1 by default. */
  pricingRegion?: string;
  /** Seconds between meter runs (every minute in AWS). */
  meterSeconds?: number;
  /** Seconds between burst-runner ticks (every minute in AWS; sooner here, so walk-throughs move). */
  burstTickSeconds?: number;
  /** Start an embedded PostgreSQL for database rotation strategies and short-lived credentials. */
  postgres?: boolean;
  /** Minutes between secret sweeps (15 in AWS) and between credential revocations (5 in AWS). */
  sweepMinutes?: number;
  revokeMinutes?: number;
  /** At most this many Deployments roll at once after a rotation (3 by default). */
  maxConcurrentRestarts?: number;
  /** Minutes between scheduled audit digest runs (60, as in AWS). */
  digestMinutes?: number;
  /** Seconds between mesh ticks, which end overdue pauses and breakers (60, as in AWS). */
  meshTickSeconds?: number;
  /** The mesh's namespaces, mode and trust domain, over SANDBOX_MESH_CONFIG. */
  meshConfig?: Partial<MeshConfig>;
  /** The local data plane's proxy (15001) and metrics (15090) ports; a taken one falls back to a free port, 0 picks one. */
  meshProxyPort?: number;
  meshStatsPort?: number;
}

/** The sandbox cluster's nodes: quick to provision, so a burst ramps in seconds. */
export const SANDBOX_CAPACITY: CapacityOptions = { podsPerNode: 30, maxNodes: 50, nodeProvisioningDelayMs: 5_000, batchWindowMs: 500 };

export interface Sandbox {
  url: string;
  /** dynalite's endpoint, for a process that reaches the tables through its own DynamoDB client. */
  dynamoEndpoint: string;
  dataDir: string;
  tokens: Record<string, string>;
  issueToken(scopes: readonly string[], subject?: string, ttlSeconds?: number): Promise<string>;
  /** The simulator over HTTPS: its bearer token, CA (base64 PEM) and the kubeconfig written for it. */
  k8s: Awaited<ReturnType<typeof startK8sSimulator>> & { token: string; caData: string; kubeconfigPath: string; portChanged: boolean };
  alarms: LocalAlarmEvaluator;
  bus: LocalBus;
  deadLetter: LocalDeadLetter;
  wiring: Wiring<Ports & SchedulingPorts & PublishingPorts>;
  scheduler: LocalScheduler;
  events: LocalEventPublisher;
  secrets: SecretsSandbox;
  /** The audit archive: the local S3 server (versioned, compliance retention) and the local signing key. */
  auditArchive: AuditArchiveSandbox;
  /** The mesh function: its ports, its one-shot schedules and a tick on demand. */
  mesh: MeshSandbox;
  /** The local mesh data plane: the proxy callers reach services through, pods' servers, Istio's metrics. */
  meshDataPlane: MeshDataPlaneSandbox;
  reconcileNow(): Promise<unknown>;
  meterNow(): Promise<unknown>;
  tickBurstsNow(): Promise<unknown>;
  close(): Promise<void>;
}
