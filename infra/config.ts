/**
 * Deployment settings read from CDK context (cdk.json or `-c key=value`) into a frozen,
 * typed object. Nothing else in infra/ reads context; a missing or malformed key fails
 * synth with a message that names it.
 */

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
}

/** Reads one context key; `tryGetContext` on a construct node fits this shape. */
export type ContextReader = (key: string) => unknown;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const CONTEXT_KEYS = {
  clusterName: 'hms:clusterName',
  namespaces: 'hms:namespaces',
  vpcId: 'hms:vpcId',
  subnetIds: 'hms:subnetIds',
  jwtIssuer: 'hms:jwtIssuer',
  jwtAudience: 'hms:jwtAudience',
} as const satisfies Record<keyof HmsSysConfig, string>;

const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const K8S_NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const AUDIENCE = /^\S{1,256}$/;

export function readConfig(read: ContextReader): HmsSysConfig {
  const config: HmsSysConfig = {
    clusterName: readString(read, CONTEXT_KEYS.clusterName, EKS_CLUSTER_NAME, 'an EKS cluster name'),
    namespaces: readList(read, CONTEXT_KEYS.namespaces, K8S_NAMESPACE, 'Kubernetes namespace names'),
    vpcId: readString(read, CONTEXT_KEYS.vpcId, VPC_ID, 'a VPC id like vpc-0abc12345def67890'),
    subnetIds: readList(read, CONTEXT_KEYS.subnetIds, SUBNET_ID, 'subnet ids like subnet-0abc12345def67890'),
    jwtIssuer: readIssuer(read, CONTEXT_KEYS.jwtIssuer),
    jwtAudience: readList(read, CONTEXT_KEYS.jwtAudience, AUDIENCE, 'audience values without spaces'),
  };
  return Object.freeze({
    ...config,
    namespaces: Object.freeze([...config.namespaces]),
    subnetIds: Object.freeze([...config.subnetIds]),
    jwtAudience: Object.freeze([...config.jwtAudience]),
  });
}

function readRaw(read: ContextReader, key: string): unknown {
  const value = read(key);
  if (value === undefined || value === null || value === '') {
    throw new ConfigError(`Missing context value "${key}": set it in cdk.json or pass -c ${key}=...`);
  }
  return value;
}

function readString(read: ContextReader, key: string, pattern: RegExp, expected: string): string {
  const value = readRaw(read, key);
  if (typeof value !== 'string' || !pattern.test(value.trim())) {
    throw new ConfigError(`Malformed context value "${key}": expected ${expected}, got ${JSON.stringify(value)}`);
  }
  return value.trim();
}

/** Accepts a JSON array (cdk.json) or a comma-separated string (`-c key=a,b`). */
function readList(read: ContextReader, key: string, pattern: RegExp, expected: string): string[] {
  const value = readRaw(read, key);
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
    throw new ConfigError(`Malformed context value "${key}": expected a comma-separated list of ${expected}`);
  }
  const trimmed = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  const bad = trimmed.filter((item) => !pattern.test(item));
  if (trimmed.length === 0 || bad.length > 0) {
    throw new ConfigError(`Malformed context value "${key}": expected ${expected}, got ${JSON.stringify(value)}`);
  }
  return [...new Set(trimmed)];
}

function readIssuer(read: ContextReader, key: string): string {
  const value = readRaw(read, key);
  const url = typeof value === 'string' ? parseUrl(value.trim()) : undefined;
  if (url === undefined || url.protocol !== 'https:' || url.search !== '' || url.hash !== '') {
    throw new ConfigError(`Malformed context value "${key}": expected an https issuer URL, got ${JSON.stringify(value)}`);
  }
  return (value as string).trim();
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
