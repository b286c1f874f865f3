import type { AuditLog } from './audit-log.ts';
import type { Clock } from './clock.ts';
import type { Cluster } from './cluster.ts';
import type { Metrics } from './metrics.ts';
import type { StateStore } from './state-store.ts';

/** Everything a use case may touch, handed in by one wiring function (aws or local). */
export interface Ports {
  store: StateStore;
  audit: AuditLog;
  metrics: Metrics;
  cluster: Cluster;
  clock: Clock;
  /** EKS clusters this deployment may act on; services naming others are refused. */
  knownClusters: readonly string[];
}

/** What a wiring function hands a handler: the ports and the controller's own identity. */
export interface Wiring {
  ports: Ports;
  /** The actor recorded for the controller's own actions, e.g. role/hms-sys-scaler. */
  controllerActor: string;
}

/** Who asked, and under which request or event id. */
export interface Caller {
  actor: string;
  requestId: string;
}
