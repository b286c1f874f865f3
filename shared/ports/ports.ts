import type { AuditLog } from './audit-log.ts';
import type { Clock } from './clock.ts';
import type { Cluster } from './cluster.ts';
import type { DeadLetter } from './dead-letter.ts';
import type { Metrics } from './metrics.ts';
import type { StateStore } from './state-store.ts';

/** Everything a use case may touch, handed in by one wiring function (aws or local). */
export interface Ports {
  store: StateStore;
  audit: AuditLog;
  metrics: Metrics;
  cluster: Cluster;
  deadLetter: DeadLetter;
  clock: Clock;
}

/** Who asked, and under which request or event id. */
export interface Caller {
  actor: string;
  requestId: string;
}
