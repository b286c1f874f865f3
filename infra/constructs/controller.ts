import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { EventTrigger, FunctionDeclaration, RouteTrigger, ScheduleTrigger } from '#domain/triggers.ts';
import type { HmsHttpApi } from './api.ts';
import { AUDIT_ARCHIVE_NEEDS, type AuditArchive } from './audit-archive.ts';
import type { BurstSchedules } from './burst-schedules.ts';
import { ControllerTriggers } from './controller-triggers.ts';
import type { DeadLetters } from './dead-letters.ts';
import { clusterAccessLevel, EksAccess } from './eks-access.ts';
import type { FunctionNetwork } from './function-network.ts';
import type { HmsEventBus } from './hms-event-bus.ts';
import { HmsFunction, hmsFunctionName } from './hms-function.ts';
import type { LogStorage } from './log-storage.ts';
import type { MeshSchedules } from './mesh-schedules.ts';
import { grantNeeds } from './need-grants.ts';
import type { StateTables } from './state-tables.ts';

/** The CA certificates Lambda's Node.js runtimes ship, RDS's among them. */
export const LAMBDA_CA_BUNDLE = '/var/runtime/ca-cert.pem';

export interface ControllerProps {
  /** What the function is, needs and reacts to, from functions/<name>/triggers.ts. */
  readonly declaration: FunctionDeclaration;
  /**
   * Prebuilt code instead of esbuild bundling (tests).
   * @default - bundle functions/<name>/handler.ts
   */
  readonly code?: lambda.Code;
  /** The state and audit tables. */
  readonly tables: StateTables;
  /** The shared dead-letter queue. */
  readonly deadLetters: DeadLetters;
  /** VPC placement shared by all functions. */
  readonly network: FunctionNetwork;
  /** Log encryption and retention shared by all functions. */
  readonly logStorage: LogStorage;
  /** The HTTP API that route triggers are added to. */
  readonly api: HmsHttpApi;
  /** EKS cluster the controller reads or scales. */
  readonly clusterName: string;
  /** Namespaces its cluster access is limited to. */
  readonly namespaces: readonly string[];
  /** Concurrent executions reserved for the function; undefined reserves none. */
  readonly reservedConcurrency: number | undefined;
  /** AWS_USE_FIPS_ENDPOINT for the function's SDK clients; undefined leaves it unset. */
  readonly fipsEndpoint?: string;
  /** Istio's data plane mode (HMS_MESH_MODE); read by functions with the 'cluster-mesh' need. */
  readonly meshMode?: string;
  /** Deployments rolled at once; read by functions with the 'cluster-restart' need. */
  readonly maxConcurrentRestarts: number;
  /** The burst schedule group and its role; required by the 'schedules' need. */
  readonly schedules?: BurstSchedules;
  /** The mesh schedule group and its role; required by the 'mesh-schedules' need. */
  readonly meshSchedules?: MeshSchedules;
  /** The hms-sys event bus; required by the 'events-publish' need and by triggers on hms.sys events. */
  readonly eventBus?: HmsEventBus;
  /** ARN of the deployed rotation function, which 'secrets-rotate-start' functions set on secrets they schedule. */
  readonly rotationFunctionArn?: string;
  /** The audit signing key and archive bucket; required by the audit archive needs. */
  readonly auditArchive?: AuditArchive;
}

/**
 * One declared function with everything it owns: the function and its role, the grants its
 * needs call for, its environment, its triggers (routes, rules, schedules) and its EKS access.
 */
export class Controller extends Construct {
  readonly fn: HmsFunction;
  readonly eksAccess?: EksAccess;

  constructor(scope: Construct, id: string, props: ControllerProps) {
    super(scope, id);
    const { declaration, tables, deadLetters, schedules, meshSchedules, eventBus } = props;
    const needs = new Set(declaration.needs);

    this.fn = new HmsFunction(this, 'Function', {
      declaration,
      code: props.code,
      network: props.network,
      deadLetters,
      logStorage: props.logStorage,
      reservedConcurrency: props.reservedConcurrency,
      environment: {
        STATE_TABLE: tables.state.tableName,
        AUDIT_TABLE: tables.audit.tableName,
        // Which audit indexes the table has, so reads fall back while a stack upgrades (hms:auditIndexes).
        HMS_AUDIT_INDEXES: tables.auditIndexNames.join(','),
        HMS_CLUSTERS: props.clusterName,
        // The actor recorded in audit entries names the function that acted.
        HMS_ACTOR: `role/${hmsFunctionName(declaration)}`,
        // Where one-shot schedules go and whom they invoke; what the bus is called.
        ...(needs.has('schedules') ? schedules?.environment : {}),
        ...(needs.has('mesh-schedules') ? meshSchedules?.environment : {}),
        ...(needs.has('events-publish') ? eventBus?.environment : {}),
        // The namespaces manifests render into (the mesh RBAC is bound in these) and their cluster.
        ...(needs.has('cluster-mesh')
          ? { HMS_MESH_NAMESPACES: props.namespaces.join(','), HMS_MESH_CLUSTER: props.clusterName, HMS_MESH_MODE: props.meshMode ?? 'sidecar' }
          : {}),
        // Node.js 20 and later do not load Lambda's CA bundle, which holds the RDS certificates.
        ...(needs.has('database') ? { NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE } : {}),
        ...(needs.has('cluster-restart') ? { HMS_MAX_CONCURRENT_RESTARTS: String(props.maxConcurrentRestarts) } : {}),
        // The rotation function the sweeper gives an unscheduled secret.
        ...(needs.has('secrets-rotate-start') && props.rotationFunctionArn !== undefined ? { ROTATION_FUNCTION_ARN: props.rotationFunctionArn } : {}),
        // Every SDK client resolves FIPS endpoints from this; the EKS token's STS host is fixed (eks-token.ts).
        // The archive bucket, signing key, retention and table days of the digest, prune and verify code.
        ...(AUDIT_ARCHIVE_NEEDS.some((need) => needs.has(need)) ? props.auditArchive?.environment : {}),
        ...(props.fipsEndpoint === undefined ? {} : { AWS_USE_FIPS_ENDPOINT: props.fipsEndpoint }),
      },
    });

    grantNeeds(this.fn.role, declaration.needs, {
      tables,
      clusterName: props.clusterName,
      schedules,
      meshSchedules,
      eventBus,
      rotationFunctionArn: props.rotationFunctionArn,
      auditArchive: props.auditArchive,
    });
    // The group is named in the environment as text, so the dependency is stated.
    if (needs.has('schedules') && schedules !== undefined) this.fn.function.node.addDependency(schedules.group);
    if (needs.has('mesh-schedules') && meshSchedules !== undefined) this.fn.function.node.addDependency(meshSchedules.group);

    const level = clusterAccessLevel(declaration.needs);
    if (level !== undefined) {
      this.eksAccess = new EksAccess(this, 'EksAccess', {
        clusterName: props.clusterName,
        namespaces: props.namespaces,
        role: this.fn.role,
        level,
      });
    }

    const routes = declaration.triggers.filter((trigger): trigger is RouteTrigger => trigger.kind === 'http');
    if (routes.length > 0) props.api.addRoutes(`${id}Integration`, routes, this.fn.function);

    const ruleTriggers = declaration.triggers.filter((trigger): trigger is EventTrigger | ScheduleTrigger => trigger.kind !== 'http');
    if (ruleTriggers.length > 0) {
      new ControllerTriggers(this, 'Triggers', {
        handler: this.fn.function,
        triggers: ruleTriggers,
        deadLetterQueue: deadLetters.queue,
        ownEventBus: eventBus?.bus,
      });
    }
  }
}
