import type { MeshConfig } from '#ports/ports.ts';
import { type AwsConfig, MissingConfigError, type PublishingConfig, type SchedulingConfig } from './config.ts';

/** What the mesh function reads besides AwsConfig: the mesh alone (it sets no schedule and publishes nothing). */
export interface MeshFunctionConfig {
  readonly mesh: MeshConfig;
}

/** What the mesh-ops function reads besides AwsConfig: the mesh, its one-shot schedules and the event bus. */
export interface MeshOpsFunctionConfig extends MeshFunctionConfig {
  /** The schedules that end a pause or close a breaker, invoking the mesh-ops function itself. */
  readonly scheduling: SchedulingConfig;
  readonly publishing: PublishingConfig;
}

/**
 * The mesh function's environment, set by its CDK construct (infra/constructs) from its 'cluster-mesh' need. Names:
 * - HMS_MESH_NAMESPACES (required): the namespaces hms-sys renders into, comma-separated; its RBAC reaches only these.
 * - HMS_MESH_DEFAULT_NAMESPACE: a manifest's namespace when it names none (default: the first of HMS_MESH_NAMESPACES).
 * - HMS_MESH_MODE: sidecar (default) or ambient.
 * - HMS_MESH_TRUST_DOMAIN: Istio's trust domain (default cluster.local).
 * - HMS_MESH_CLUSTER: the EKS cluster a manifest is deployed to (default: the first of HMS_CLUSTERS).
 * - HMS_ISTIO_NAMESPACE: Istio's namespace (default istio-system); hms-sys reads nothing there.
 */
export function readMeshConfig(env: NodeJS.ProcessEnv, aws: Pick<AwsConfig, 'clusters'>): MeshFunctionConfig {
  return Object.freeze({ mesh: meshOf(env, aws) });
}

/**
 * The mesh-ops function's environment: the mesh's (readMeshConfig), and from its 'mesh-schedules' and
 * 'events-publish' needs:
 * - MESH_SCHEDULE_GROUP, MESH_FUNCTION_ARN (mesh-ops's own ARN, which its schedules invoke, built from its
 *   fixed name, since a function cannot reference its own attribute), SCHEDULER_ROLE_ARN, SCHEDULER_DLQ_ARN,
 *   SCHEDULER_KMS_KEY_ARN (optional).
 * - EVENT_BUS_NAME: where the root CA alert is published.
 */
export function readMeshOpsConfig(env: NodeJS.ProcessEnv, aws: Pick<AwsConfig, 'clusters'>): MeshOpsFunctionConfig {
  return Object.freeze({
    mesh: meshOf(env, aws),
    scheduling: Object.freeze({
      groupName: required(env, 'MESH_SCHEDULE_GROUP'),
      targetArn: required(env, 'MESH_FUNCTION_ARN'),
      roleArn: required(env, 'SCHEDULER_ROLE_ARN'),
      deadLetterArn: required(env, 'SCHEDULER_DLQ_ARN'),
      ...(env.SCHEDULER_KMS_KEY_ARN ? { kmsKeyArn: env.SCHEDULER_KMS_KEY_ARN } : {}),
    }),
    publishing: Object.freeze({ eventBusName: required(env, 'EVENT_BUS_NAME') }),
  });
}

function meshOf(env: NodeJS.ProcessEnv, aws: Pick<AwsConfig, 'clusters'>): MeshConfig {
  const namespaces = list(required(env, 'HMS_MESH_NAMESPACES'));
  const bad = namespaces.find((ns) => !DNS_LABEL.test(ns));
  if (namespaces.length === 0 || bad !== undefined) {
    throw new MissingConfigError(`HMS_MESH_NAMESPACES (namespaces as DNS-1123 labels, comma-separated; got "${env.HMS_MESH_NAMESPACES}")`);
  }
  const defaultNamespace = env.HMS_MESH_DEFAULT_NAMESPACE || namespaces[0] || '';
  if (!namespaces.includes(defaultNamespace)) {
    throw new MissingConfigError(`HMS_MESH_DEFAULT_NAMESPACE (one of HMS_MESH_NAMESPACES ${namespaces.join(', ')}; got "${defaultNamespace}")`);
  }
  const mode = env.HMS_MESH_MODE || 'sidecar';
  if (mode !== 'sidecar' && mode !== 'ambient') throw new MissingConfigError(`HMS_MESH_MODE (sidecar or ambient; got "${mode}")`);
  const defaultCluster = env.HMS_MESH_CLUSTER || aws.clusters[0];
  if (!defaultCluster || !aws.clusters.includes(defaultCluster)) {
    throw new MissingConfigError(`HMS_MESH_CLUSTER (one of HMS_CLUSTERS ${aws.clusters.join(', ')}; got "${defaultCluster ?? ''}")`);
  }
  return Object.freeze({
    mode,
    trustDomain: env.HMS_MESH_TRUST_DOMAIN || 'cluster.local',
    defaultNamespace,
    managedNamespaces: Object.freeze(namespaces),
    defaultCluster,
    istioNamespace: env.HMS_ISTIO_NAMESPACE || 'istio-system',
  });
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new MissingConfigError(name);
  return value;
}

const list = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
