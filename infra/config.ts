/**
 * Deployment settings read from CDK context (cdk.json or `-c key=value`) into a frozen,
 * typed object. Nothing else in infra/ reads context; a missing or malformed key fails
 * synth with a message that names it.
 */

import { type AuditIndexName, DEFAULT_AUDIT_INDEX_NAMES, parseAuditIndexNames } from '#adapters/aws/table-design.ts';
import { parseRotationPolicy } from '#domain/rotation.ts';
import { ConfigError, type ContextReader, parseUrl, readCount, readFlag, readList, readRaw, readString } from './context-readers.ts';

export { ConfigError, type ContextReader } from './context-readers.ts';

/** A secret the stack gives a rotation schedule, and how often it rotates. */
export interface RotatedSecret {
  readonly arn: string;
  /** The policy as written, e.g. `24h` or `7d`. */
  readonly policy: string;
  /** Secrets Manager's rate() form of the policy. */
  readonly scheduleExpression: string;
}

export interface HmsSysConfig {
  /** Name of the EKS cluster the controllers scale. */
  readonly clusterName: string;
  /** Kubernetes namespaces the controllers may read or edit. */
  readonly namespaces: readonly string[];
  /** VPC that holds the cluster and the functions' network interfaces. */
  readonly vpcId: string;
  /** Private subnets for the functions, ideally one per Availability Zone. */
  readonly subnetIds: readonly string[];
  /** JWT issuer URL of the identity provider (e.g. a Cognito user pool). */
  readonly jwtIssuer: string;
  /** Accepted JWT audiences (`aud` or `client_id` claims). */
  readonly jwtAudience: readonly string[];
  /** Existing secrets the rotation function rotates on a schedule; empty when none is listed. */
  readonly rotatedSecrets: readonly RotatedSecret[];
  /** How many Deployments the consumer restarter rolls at once in a cluster (default 3). */
  readonly maxConcurrentRestarts: number;
  /**
   * Whether the functions call AWS through FIPS endpoints (AWS_USE_FIPS_ENDPOINT); undefined
   * leaves it to the stack's Region: on in the GovCloud (US) Regions, off elsewhere.
   */
  readonly fips: boolean | undefined;
  /**
   * Concurrent executions reserved for each function without a declared maxInstances;
   * undefined reserves none. A declared maxInstances is always reserved, since it is a limit.
   */
  readonly reservedConcurrency: number | undefined;
  /**
   * The audit table's global secondary indexes; today's set when left out. A stack deployed with the
   * old byTime index upgrades through smaller sets, one index added or removed per deploy (README, Audit).
   */
  readonly auditIndexes: readonly AuditIndexName[];
  /** Days every audit archive object is locked in compliance mode (default 365: FedRAMP AU-11, OMB M-21-31). */
  readonly auditRetentionDays: number;
  /** Days audit records stay in the table before archived ones are pruned (default 90); at most auditRetentionDays. */
  readonly auditHotDays: number;
  /** Istio's data plane mode on the cluster, which decides the label a workload joins the mesh by (default sidecar). */
  readonly meshMode: MeshMode;
}

export const MESH_MODES = ['sidecar', 'ambient'] as const;
export type MeshMode = (typeof MESH_MODES)[number];

/** Compliance-mode retention of the audit archive when hms:auditRetentionDays is left out. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;
/** Days records stay in the audit table when hms:auditHotDays is left out. */
export const DEFAULT_AUDIT_HOT_DAYS = 90;

/** Reserved executions per function when hms:reservedConcurrency is left out. */
export const DEFAULT_RESERVED_CONCURRENCY = 5;

/**
 * The executions the stack reserves for a function: its declared maxInstances (a limit, so always
 * reserved), else hms:reservedConcurrency; undefined shares the account's unreserved pool. The
 * sandbox's local bus holds each function to the same figure.
 */
export const reservedExecutions = (declaration: { maxInstances?: number }, reservedConcurrency: number | undefined): number | undefined =>
  declaration.maxInstances ?? reservedConcurrency;
/**
 * Lambda keeps at least this many of the account's concurrent executions unreserved, so the
 * account quota must be at least the stack's total reservation plus this
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
 */
export const LAMBDA_UNRESERVED_MINIMUM = 100;

/** Keys that may be left out. */
export const OPTIONAL_CONTEXT_KEYS = {
  /** `<secret ARN>=<policy>` entries (a bare ARN takes the default 24h), as a list or comma-separated. */
  rotatedSecrets: 'hms:rotatedSecrets',
  /** A whole number of at least 1; 3 when left out. */
  maxConcurrentRestarts: 'hms:maxConcurrentRestarts',
  /** `true` or `false`; when left out, true in us-gov-* Regions. */
  fips: 'hms:fips',
  /** A whole number per function; `0` or `none` reserves nothing; 5 when left out. */
  reservedConcurrency: 'hms:reservedConcurrency',
  /** Audit index names, e.g. `byTime,byTimeShard`; byTimeShard,byStreamTime when left out. */
  auditIndexes: 'hms:auditIndexes',
  /** Whole days, at least 1; 365 when left out. */
  auditRetentionDays: 'hms:auditRetentionDays',
  /** Whole days, at least 1 and at most the retention; 90 when left out. */
  auditHotDays: 'hms:auditHotDays',
  /** `sidecar` or `ambient`; sidecar when left out. */
  meshMode: 'hms:meshMode',
} as const;

/** Keys that must be set. */
export const CONTEXT_KEYS = {
  clusterName: 'hms:clusterName',
  namespaces: 'hms:namespaces',
  vpcId: 'hms:vpcId',
  subnetIds: 'hms:subnetIds',
  jwtIssuer: 'hms:jwtIssuer',
  jwtAudience: 'hms:jwtAudience',
} as const satisfies Record<Exclude<keyof HmsSysConfig, keyof typeof OPTIONAL_CONTEXT_KEYS>, string>;

const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const K8S_NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const AUDIENCE = /^\S{1,256}$/;
/** A full secret ARN: partition, Region, account, and the name with Secrets Manager's six-character suffix. */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const POLICY = /^[0-9]+[hd]$/;

export function readConfig(read: ContextReader): HmsSysConfig {
  const config: HmsSysConfig = {
    clusterName: readString(read, CONTEXT_KEYS.clusterName, EKS_CLUSTER_NAME, 'an EKS cluster name'),
    namespaces: readList(read, CONTEXT_KEYS.namespaces, K8S_NAMESPACE, 'Kubernetes namespace names'),
    vpcId: readString(read, CONTEXT_KEYS.vpcId, VPC_ID, 'a VPC id like vpc-0abc12345def67890'),
    subnetIds: readList(read, CONTEXT_KEYS.subnetIds, SUBNET_ID, 'subnet ids like subnet-0abc12345def67890'),
    jwtIssuer: readIssuer(read, CONTEXT_KEYS.jwtIssuer),
    jwtAudience: readAudiences(read),
    rotatedSecrets: readRotatedSecrets(read, OPTIONAL_CONTEXT_KEYS.rotatedSecrets),
    maxConcurrentRestarts: readCount(read, OPTIONAL_CONTEXT_KEYS.maxConcurrentRestarts, 3),
    fips: readFlag(read, OPTIONAL_CONTEXT_KEYS.fips),
    reservedConcurrency: readReservedConcurrency(read(OPTIONAL_CONTEXT_KEYS.reservedConcurrency)),
    auditIndexes: readAuditIndexes(read(OPTIONAL_CONTEXT_KEYS.auditIndexes)),
    auditRetentionDays: readCount(read, OPTIONAL_CONTEXT_KEYS.auditRetentionDays, DEFAULT_AUDIT_RETENTION_DAYS),
    auditHotDays: readCount(read, OPTIONAL_CONTEXT_KEYS.auditHotDays, DEFAULT_AUDIT_HOT_DAYS),
    meshMode: readMeshMode(read(OPTIONAL_CONTEXT_KEYS.meshMode)),
  };
  if (config.auditHotDays > config.auditRetentionDays) {
    throw new ConfigError(
      `Malformed context value "${OPTIONAL_CONTEXT_KEYS.auditHotDays}": ${config.auditHotDays} days in the table is more than the archive's ${config.auditRetentionDays} days of retention`,
    );
  }
  return Object.freeze({
    ...config,
    namespaces: Object.freeze([...config.namespaces]),
    subnetIds: Object.freeze([...config.subnetIds]),
    jwtAudience: Object.freeze([...config.jwtAudience]),
    rotatedSecrets: Object.freeze(config.rotatedSecrets.map((secret) => Object.freeze(secret))),
  });
}

function readIssuer(read: ContextReader, key: string): string {
  const value = readRaw(read, key);
  const url = typeof value === 'string' ? parseUrl(value.trim()) : undefined;
  if (url === undefined || url.protocol !== 'https:' || url.search !== '' || url.hash !== '') {
    throw new ConfigError(`Malformed context value "${key}": expected an https issuer URL, got ${JSON.stringify(value)}`);
  }
  return (value as string).trim();
}

/** A Cognito user pool's issuer URL: https://cognito-idp.<region>.amazonaws.com/<pool id>. */
const COGNITO_ISSUER = /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/[\w-]+_[0-9a-zA-Z]+$/;
/** An app client id, as Cognito's API reference patterns ClientId: [\w+]+, 1 to 128 characters. */
const COGNITO_CLIENT_ID = /^[\w+]{1,128}$/;

/**
 * The authorizer's audiences. API Gateway compares a token's `aud`, and its `client_id` only when
 * `aud` is absent (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html).
 * Cognito access tokens carry no `aud`, so with a Cognito issuer each audience must be an app client id.
 */
function readAudiences(read: ContextReader): readonly string[] {
  const audiences = readList(read, CONTEXT_KEYS.jwtAudience, AUDIENCE, 'audience values without spaces');
  const issuer = read(CONTEXT_KEYS.jwtIssuer);
  const notClientIds = audiences.filter((a) => !COGNITO_CLIENT_ID.test(a));
  if (typeof issuer === 'string' && COGNITO_ISSUER.test(issuer.trim()) && notClientIds.length > 0) {
    throw new ConfigError(
      `Malformed context value "${CONTEXT_KEYS.jwtAudience}": with a Cognito issuer it must list app client ids ` +
        `(Cognito access tokens carry client_id, not aud); ${notClientIds.map((a) => JSON.stringify(a)).join(', ')} cannot be one`,
    );
  }
  return audiences;
}

/**
 * hms:reservedConcurrency as read from context: a whole number of executions reserved per function,
 * DEFAULT_RESERVED_CONCURRENCY when left out, undefined (no reservation) for `0` or `none`; a
 * reservation of 0 would stop a function from running at all, so 0 means none.
 */
export function readReservedConcurrency(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return DEFAULT_RESERVED_CONCURRENCY;
  if (value === 'none') return undefined;
  const count = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new ConfigError(
      `Malformed context value "${OPTIONAL_CONTEXT_KEYS.reservedConcurrency}": expected a whole number, 0 or none, got ${JSON.stringify(value)}`,
    );
  }
  return count === 0 ? undefined : count;
}

/** hms:auditIndexes: a selection of the audit table's indexes, today's set when left out. */
function readAuditIndexes(value: unknown): readonly AuditIndexName[] {
  if (value === undefined || value === null || value === '') return DEFAULT_AUDIT_INDEX_NAMES;
  try {
    return parseAuditIndexNames(value);
  } catch (err) {
    throw new ConfigError(`Malformed context value "${OPTIONAL_CONTEXT_KEYS.auditIndexes}": ${(err as Error).message}`);
  }
}

/**
 * `<arn>=<policy>` or a bare ARN (the default policy). Names may hold `=`, so the policy is what
 * follows the last `=` only when it reads like one. Secrets Manager takes hour rates below a day
 * and whole days, so `36h` is refused here rather than by CloudFormation.
 */
function readRotatedSecrets(read: ContextReader, key: string): RotatedSecret[] {
  const value = read(key);
  if (value === undefined || value === null || value === '') return [];
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
    throw new ConfigError(`Malformed context value "${key}": expected a list of <secret ARN>=<policy> entries`);
  }
  const secrets = (items as string[])
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((entry) => {
      const at = entry.lastIndexOf('=');
      const [arn, policy] = at > 0 && POLICY.test(entry.slice(at + 1)) ? [entry.slice(0, at), entry.slice(at + 1)] : [entry, '24h'];
      if (!SECRET_ARN.test(arn)) {
        throw new ConfigError(
          `Malformed context value "${key}": ${JSON.stringify(arn)} is not a full secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)`,
        );
      }
      let hours: number;
      let scheduleExpression: string;
      try {
        ({ hours, scheduleExpression } = parseRotationPolicy(policy));
      } catch (err) {
        throw new ConfigError(`Malformed context value "${key}": ${(err as Error).message}`);
      }
      if (hours > 24 && hours % 24 !== 0) {
        throw new ConfigError(
          `Malformed context value "${key}": ${policy} for ${arn}: Secrets Manager rotates every 4 to 24 hours or every whole number of days`,
        );
      }
      return { arn, policy, scheduleExpression };
    });
  const arns = secrets.map((secret) => secret.arn);
  const repeated = arns.filter((arn, i) => arns.indexOf(arn) !== i);
  if (repeated.length > 0) throw new ConfigError(`Malformed context value "${key}": a secret has one rotation schedule, but ${repeated[0]} is listed twice`);
  return secrets;
}

function readMeshMode(value: unknown): MeshMode {
  if (value === undefined) return 'sidecar';
  if (typeof value === 'string' && (MESH_MODES as readonly string[]).includes(value)) return value as MeshMode;
  throw new ConfigError(`Malformed context value "${OPTIONAL_CONTEXT_KEYS.meshMode}": expected ${MESH_MODES.join(' or ')}, got ${JSON.stringify(value)}`);
}
