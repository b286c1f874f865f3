import { type AuditIndexName, DEFAULT_AUDIT_INDEX_NAMES, parseAuditIndexNames } from './table-design.ts';

/** What the AWS wiring reads from a function's environment, once, at the edge. */
export interface AwsConfig {
  readonly region: string;
  readonly stateTable: string;
  readonly auditTable: string;
  /** HMS_AUDIT_INDEXES: the audit table's indexes, so reads fall back mid-upgrade; today's set when unset. */
  readonly auditIndexes: readonly AuditIndexName[];
  readonly clusters: readonly string[];
  readonly actor: string;
  /** The region whose Fargate rates price pods: HMS_PRICING_REGION, else AWS_REGION. */
  readonly pricingRegion: string;
  readonly capacityTimings: { readonly nodeProvisioningSeconds: number; readonly podReadySeconds: number };
}

/** What the functions that set one-shot schedules read besides AwsConfig. */
export interface SchedulingConfig {
  readonly groupName: string;
  readonly targetArn: string;
  readonly roleArn: string;
  readonly deadLetterArn: string;
  readonly kmsKeyArn?: string;
}

/** What the meter reads besides AwsConfig. */
export interface PublishingConfig {
  readonly eventBusName: string;
}

/** What the rotation function reads: Secrets Manager, the databases behind the secrets, and the audit table its steps are recorded in. */
export interface RotationConfig {
  readonly region: string;
  readonly auditTable: string;
  readonly auditIndexes: readonly AuditIndexName[];
  /** The actor its steps are recorded under (HMS_ACTOR). */
  readonly actor: string;
}

/** What the sweeper reads besides AwsConfig and PublishingConfig. */
export interface SweeperConfig {
  /** ROTATION_FUNCTION_ARN: the rotation function an unscheduled secret is given; absent when none is deployed. */
  readonly rotationFunctionArn?: string;
}

/** What the consumer restarter reads besides AwsConfig. */
export interface RestartConfig {
  /** At most this many Deployments roll at once in a cluster: HMS_MAX_CONCURRENT_RESTARTS, default 3. */
  readonly maxConcurrentRestarts: number;
}

export class MissingConfigError extends Error {
  constructor(name: string) {
    super(`environment variable ${name} is required`);
    this.name = 'MissingConfigError';
  }
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new MissingConfigError(name);
  return value;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new MissingConfigError(`${name} (a number of seconds, got "${raw}")`);
  return value;
}

function auditIndexes(env: NodeJS.ProcessEnv): readonly AuditIndexName[] {
  const raw = env.HMS_AUDIT_INDEXES;
  if (!raw) return DEFAULT_AUDIT_INDEX_NAMES;
  try {
    return parseAuditIndexNames(raw);
  } catch (err) {
    throw new MissingConfigError(`HMS_AUDIT_INDEXES (${(err as Error).message})`);
  }
}

export function readAwsConfig(env: NodeJS.ProcessEnv): AwsConfig {
  const region = required(env, 'AWS_REGION');
  return Object.freeze({
    region,
    pricingRegion: env.HMS_PRICING_REGION || region,
    capacityTimings: Object.freeze({
      nodeProvisioningSeconds: seconds(env, 'HMS_NODE_PROVISIONING_SECONDS', 90),
      podReadySeconds: seconds(env, 'HMS_POD_READY_SECONDS', 20),
    }),
    stateTable: required(env, 'STATE_TABLE'),
    auditTable: required(env, 'AUDIT_TABLE'),
    auditIndexes: auditIndexes(env),
    clusters: Object.freeze(
      required(env, 'HMS_CLUSTERS')
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    ),
    actor: required(env, 'HMS_ACTOR'),
  });
}

export function readSchedulingConfig(env: NodeJS.ProcessEnv): SchedulingConfig {
  return Object.freeze({
    groupName: required(env, 'SCHEDULE_GROUP'),
    targetArn: required(env, 'BURST_RUNNER_ARN'),
    roleArn: required(env, 'SCHEDULER_ROLE_ARN'),
    deadLetterArn: required(env, 'SCHEDULER_DLQ_ARN'),
    ...(env.SCHEDULER_KMS_KEY_ARN ? { kmsKeyArn: env.SCHEDULER_KMS_KEY_ARN } : {}),
  });
}

export function readPublishingConfig(env: NodeJS.ProcessEnv): PublishingConfig {
  return Object.freeze({ eventBusName: required(env, 'EVENT_BUS_NAME') });
}

export function readRotationConfig(env: NodeJS.ProcessEnv): RotationConfig {
  return Object.freeze({
    region: required(env, 'AWS_REGION'),
    auditTable: required(env, 'AUDIT_TABLE'),
    auditIndexes: auditIndexes(env),
    actor: required(env, 'HMS_ACTOR'),
  });
}

/**
 * HMS_AUDIT_OUTBOX_GRACE_SECONDS: how old an audit intent must be before a drainer resolves it by its
 * probe. Default 900 s, Lambda's longest timeout, so the writer cannot still be running.
 */
export function readOutboxGraceSeconds(env: NodeJS.ProcessEnv): number {
  return seconds(env, 'HMS_AUDIT_OUTBOX_GRACE_SECONDS', 900);
}

export function readRestartConfig(env: NodeJS.ProcessEnv): RestartConfig {
  const raw = env.HMS_MAX_CONCURRENT_RESTARTS;
  const value = raw ? Number(raw) : 3;
  if (!Number.isInteger(value) || value < 1) {
    throw new MissingConfigError(`HMS_MAX_CONCURRENT_RESTARTS (a whole number of at least 1, got "${raw}")`);
  }
  return Object.freeze({ maxConcurrentRestarts: value });
}

export function readSweeperConfig(env: NodeJS.ProcessEnv): SweeperConfig {
  return Object.freeze(env.ROTATION_FUNCTION_ARN ? { rotationFunctionArn: env.ROTATION_FUNCTION_ARN } : {});
}
