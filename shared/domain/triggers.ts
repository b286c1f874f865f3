/**
 * Plain-data declarations of what invokes each function. The CDK stack turns them into
 * API routes, EventBridge rules and schedules; the sandbox turns them into local dispatch.
 */
export type Scope =
  | 'hms/rules.read'
  | 'hms/rules.write'
  | 'hms/services.write'
  | 'hms/audit.read'
  /** Run the audit digest on demand (POST /audit/digests). */
  | 'hms/audit.digest'
  | 'hms/budgets.write'
  | 'hms/bursts.write'
  | 'hms/secrets.read'
  | 'hms/secrets.write'
  /** Read the mesh registry, policies, pauses and mesh status. */
  | 'hms/mesh.read'
  /** Apply manifests and TrafficPolicies, pause and resume services. */
  | 'hms/mesh.write';

export const ALL_SCOPES: readonly Scope[] = [
  'hms/rules.read',
  'hms/rules.write',
  'hms/services.write',
  'hms/audit.read',
  'hms/audit.digest',
  'hms/budgets.write',
  'hms/bursts.write',
  'hms/secrets.read',
  'hms/secrets.write',
  'hms/mesh.read',
  'hms/mesh.write',
];

/** An HTTP route; `Id` is its operation id, kept literal where the routes are declared `as const`. */
export interface RouteTrigger<Id extends string = string> {
  kind: 'http';
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** API Gateway path syntax, e.g. /autoscale-rules/{id}. */
  path: string;
  scope: Scope;
  operationId: Id;
  summary: string;
}

/** An EventBridge event pattern, as AWS documents it. */
export type EventPattern = Record<string, unknown>;

export interface EventTrigger {
  kind: 'event';
  id: string;
  description: string;
  pattern: EventPattern;
}

export interface ScheduleTrigger {
  kind: 'schedule';
  id: string;
  description: string;
  rateMinutes: number;
}

export type Trigger = RouteTrigger | EventTrigger | ScheduleTrigger;

/** What a function touches; the stack turns each need into a scoped grant. */
export type Need =
  | 'state'
  | 'audit'
  | 'alarms-read'
  | 'alarms-write'
  | 'metrics-read'
  | 'cluster-write'
  | 'cluster-read'
  /** cluster-write plus burst placeholder Deployments and node capacity. */
  | 'cluster-capacity'
  /** Rolling restarts of Deployments (a pod template annotation) and counting rollouts; on its own access entry group. */
  | 'cluster-restart'
  /** Read the node groups' sizes (eks:ListNodegroups, eks:DescribeNodegroup). */
  | 'node-groups-read'
  /** Create and delete one-shot schedules that invoke the burst runner. */
  | 'schedules'
  /** Publish hms.sys events to the event bus. */
  | 'events-publish'
  /** Describe the secrets hms-sys rotates (which versions hold which stages). */
  | 'secrets-describe'
  /** List the secrets hms-sys rotates, read their versions' dates, and start their rotations. */
  | 'secrets-rotate-start'
  /** Take AWSPENDING off a stuck rotation's stale version (UpdateSecretVersionStage), so RotateSecret can start again. */
  | 'secrets-unwedge'
  /** Issue short-lived database credentials: read the master secret, create the credential's secret (deleted again if the role cannot be made). */
  | 'credentials-issue'
  /** Revoke issued credentials: list them, read their master secrets, delete their secrets. */
  | 'credentials-revoke'
  /** Rotate secrets as Secrets Manager's rotation function: the four steps on secrets tagged for hms-sys. */
  | 'secrets-rotate'
  /** Reach the PostgreSQL databases behind rotated secrets (network placement only). */
  | 'database'
  /**
   * Write signed audit digests and the records' archive: kms:Sign with the audit signing key (granted in
   * the key's policy, to this role alone), PutObject with Object Lock retention, GetObject and ListBucket
   * on the archive bucket, and its key's use.
   */
  | 'audit-digest'
  /** Delete audit records from the table once they are archived and verified (AU-11 retention prune). */
  | 'audit-prune'
  /**
   * Delete audit outbox items (intents once their record is on the chain, drained lookups): DeleteItem on
   * the audit table only where the partition key starts `outbox#`; the chains stay append-only.
   */
  | 'audit-outbox'
  /**
   * Drain the audit outbox: a drainer claims an item before it settles it (a conditional UpdateItem,
   * only where the partition key starts `outbox#`), so two drainers at once do not settle it both.
   */
  | 'audit-outbox-drain'
  /**
   * The mesh control plane's Kubernetes access (RBAC group hms-sys:mesh): server-side apply of the
   * rendered Deployments, Services and Istio objects, their deletion when pruned, the scale
   * subresource, and reading EndpointSlices and the mesh root CA, in the managed namespaces.
   */
  | 'cluster-mesh'
  /** Create and delete one-shot schedules that invoke the mesh-ops function, which sets them (pause expiry, breaker close). */
  | 'mesh-schedules';

export interface FunctionDeclaration {
  /** Folder name under functions/. */
  name: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  needs: readonly Need[];
  triggers: readonly Trigger[];
  /** At most this many copies run at once; the stack's default applies when absent. */
  maxInstances?: number;
}
