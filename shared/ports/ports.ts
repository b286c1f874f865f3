import type { MeshMode } from '#domain/mesh/canonical.ts';
import type { AuditLog } from './audit-log.ts';
import type { AuditOutbox } from './audit-outbox.ts';
import type { Clock } from './clock.ts';
import type { CapacityCluster, Cluster } from './cluster.ts';
import type { Database } from './database.ts';
import type { EventPublisher } from './events.ts';
import type { LedgerStore } from './ledger.ts';
import type { MeshCluster } from './mesh-cluster.ts';
import type { MeshStore } from './mesh-store.ts';
import type { Metrics } from './metrics.ts';
import type { NodeGroups } from './node-groups.ts';
import type { OneShotScheduler } from './scheduler.ts';
import type { SecretStore } from './secret-store.ts';
import type { StateStore } from './state-store.ts';

/** What every function touches, handed in by one wiring function (aws or local). */
export interface CorePorts {
  store: StateStore;
  ledger: LedgerStore;
  audit: AuditLog;
  /** Intents written before changes and lookups waiting for their chain (recorded-change.ts, drain-audit-outbox.ts). */
  auditOutbox: AuditOutbox;
  cluster: Cluster;
  clock: Clock;
  /** EKS clusters this deployment may act on; services naming others are refused. */
  knownClusters: readonly string[];
  /** The AWS region whose Fargate rates price pods. */
  pricingRegion: string;
  /** How long new nodes and new pods take here, for burst estimates and warm-up lead times. */
  capacityTimings: CapacityTimings;
}

export interface CapacityTimings {
  nodeProvisioningSeconds: number;
  podReadySeconds: number;
}

/** Ports of the functions that read metrics and alarms: the API, the scaler and the reconciler. */
export interface Ports extends CorePorts {
  metrics: Metrics;
}

/** Ports of the functions that plan and run bursts: the cost API and the burst runner. */
export interface SchedulingPorts extends CorePorts {
  cluster: CapacityCluster;
  scheduler: OneShotScheduler;
  nodeGroups: NodeGroups;
}

/** Ports of the meter, which publishes budget alerts. */
export interface PublishingPorts extends CorePorts {
  events: EventPublisher;
}

/** How this deployment's mesh is set up (read from the environment at the edge). */
export interface MeshConfig {
  /** How pods join Istio: sidecar injection or ambient mode. */
  mode: MeshMode;
  /** Istio's trust domain, for AuthorizationPolicy principals. */
  trustDomain: string;
  /** The namespace of a manifest that names none. */
  defaultNamespace: string;
  /** The namespaces hms-sys may render into: its RBAC reaches only these. */
  managedNamespaces: readonly string[];
  /** The EKS cluster a manifest is deployed to when it names none. */
  defaultCluster: string;
  /** Istio's own namespace, never managed; hms-sys reads nothing there (its cacerts Secret holds the CA key). */
  istioNamespace: string;
}

/** Ports of the mesh function (apply and read): the registry and the rendered objects; it sets no schedule and publishes nothing. */
export interface MeshPorts extends Ports {
  mesh: MeshCluster;
  meshStore: MeshStore;
  meshConfig: MeshConfig;
}

/** Ports of the mesh-ops function: the mesh's, plus pause and breaker schedules and operator alerts. */
export interface MeshOpsPorts extends MeshPorts {
  /** One-shot schedules that invoke the mesh-ops function (a pause's expiry, a breaker's close). */
  meshScheduler: OneShotScheduler;
  events: EventPublisher;
}

/** What a wiring function hands a handler: the ports and the controller's own identity. */
export interface Wiring<P extends object = Ports> {
  ports: P;
  /** The actor recorded for the controller's own actions, e.g. role/hms-sys-scaler. */
  controllerActor: string;
}

/** Who asked, and under which request or event id. */
export interface Caller {
  actor: string;
  requestId: string;
}

/** Ports of the rotation function: the secrets it rotates, the databases behind them, and the audit of each step. */
export interface RotationPorts {
  secrets: SecretStore;
  database: Database;
  audit: AuditLog;
  auditOutbox: AuditOutbox;
  clock: Clock;
}

/** Ports of the secrets API, the sweeper and the revoker. */
export interface SecretsPorts {
  store: StateStore;
  secrets: SecretStore;
  database: Database;
  audit: AuditLog;
  auditOutbox: AuditOutbox;
  events: EventPublisher;
  clock: Clock;
}
