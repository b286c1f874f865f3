import { ArnFormat, Aws, CfnCondition, CfnOutput, Fn, Stack, type StackProps, Token } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { FunctionDeclaration } from '#domain/triggers.ts';
import * as declared from '#functions/index.ts';
import { type HmsSysConfig, LAMBDA_UNRESERVED_MINIMUM, reservedExecutions } from './config.ts';
import { HmsHttpApi } from './constructs/api.ts';
import { AuditArchive } from './constructs/audit-archive.ts';
import { BurstSchedules } from './constructs/burst-schedules.ts';
import { Controller } from './constructs/controller.ts';
import { matchesOwnEvents } from './constructs/controller-triggers.ts';
import { DeadLetters } from './constructs/dead-letters.ts';
import { FunctionNetwork } from './constructs/function-network.ts';
import { HmsEventBus } from './constructs/hms-event-bus.ts';
import { hmsFunctionName } from './constructs/hms-function.ts';
import { LogStorage } from './constructs/log-storage.ts';
import { MeshSchedules } from './constructs/mesh-schedules.ts';
import { OperatorAlerts } from './constructs/operator-alerts.ts';
import { SecretRotation } from './constructs/secret-rotation.ts';
import { StateTables } from './constructs/state-tables.ts';
import { TableBackups } from './constructs/table-backups.ts';

/** Every function declared in functions/index.ts. */
export const FUNCTION_DECLARATIONS: readonly FunctionDeclaration[] = Object.values(declared);

export interface HmsSysStackProps extends StackProps {
  /** Settings read from CDK context. */
  readonly config: HmsSysConfig;
  /**
   * Supplies prebuilt code per function instead of bundling each handler with esbuild.
   * Tests inject inline code here so synth is fast and needs no bundler.
   * @default - esbuild bundles functions/<name>/handler.ts
   */
  readonly functionCode?: (declaration: FunctionDeclaration) => lambda.Code;
  /**
   * Functions to deploy.
   * @default FUNCTION_DECLARATIONS
   */
  readonly declarations?: readonly FunctionDeclaration[];
}

/**
 * hms-sys: the shared pieces (network placement, log storage, tables and their backups,
 * the audit archive and signing key, dead letters, alerts, the HTTP API, and, when a function needs them, the burst schedule
 * group and the event bus), then one Controller per declared function, and, when the
 * rotation function is deployed, what makes it Secrets Manager's (SecretRotation).
 */
export class HmsSysStack extends Stack {
  readonly controllers: ReadonlyMap<string, Controller>;
  readonly secretRotation?: SecretRotation;

  constructor(scope: Construct, id: string, props: HmsSysStackProps) {
    super(scope, id, props);
    const { config } = props;

    const declarations = props.declarations ?? FUNCTION_DECLARATIONS;
    const needed = new Set(declarations.flatMap((declaration) => declaration.needs));

    const network = new FunctionNetwork(this, 'Network', {
      vpcId: config.vpcId,
      subnetIds: config.subnetIds,
      databaseClients: needed.has('database'),
    });
    const logStorage = new LogStorage(this, 'LogStorage');
    const tables = new StateTables(this, 'Tables', { auditIndexes: config.auditIndexes });
    new TableBackups(this, 'Backups', { tables: [tables.state, tables.audit] });
    const alerts = new OperatorAlerts(this, 'Alerts');
    const deadLetters = new DeadLetters(this, 'DeadLetters', { alarmTopic: alerts.topic });
    const api = new HmsHttpApi(this, 'Api', {
      jwtIssuer: config.jwtIssuer,
      jwtAudience: config.jwtAudience,
      logStorage,
    });

    const schedules = needed.has('schedules')
      ? new BurstSchedules(this, 'BurstSchedules', {
          runnerFunctionName: burstRunnerName(declarations),
          deadLetters,
        })
      : undefined;
    const ownEventTriggers = declarations
      .flatMap((declaration) => declaration.triggers)
      .some((trigger) => trigger.kind === 'event' && matchesOwnEvents(trigger));
    const meshDeclaration = declarations.find((declaration) => declaration.needs.includes('cluster-mesh'));
    const eventBus =
      needed.has('events-publish') || ownEventTriggers
        ? new HmsEventBus(this, 'Events', { alerts, deadLetters, meshAlerts: meshDeclaration !== undefined })
        : undefined;
    const meshSchedules = needed.has('mesh-schedules')
      ? new MeshSchedules(this, 'MeshSchedules', { meshFunctionName: meshFunctionName(declarations), deadLetters })
      : undefined;

    // Formatted from the fixed name, as the burst runner's is, so grants need not wait for the function.
    const rotation = declarations.find((declaration) => declaration.needs.includes('secrets-rotate'));
    const rotationFunctionArn =
      rotation === undefined
        ? undefined
        : this.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: hmsFunctionName(rotation),
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          });

    // Always made: records already archived stay locked for their retention whatever is deployed later.
    const auditArchive = new AuditArchive(this, 'AuditArchive', { retentionDays: config.auditRetentionDays, hotDays: config.auditHotDays });

    const fipsEndpoint = this.fipsEndpointSetting(config.fips);
    const reservations = new Map(declarations.map((d) => [d.name, reservedExecutions(d, config.reservedConcurrency)]));

    const controllers = new Map<string, Controller>();
    for (const declaration of declarations) {
      const controller = new Controller(this, `${constructId(declaration.name)}Controller`, {
        declaration,
        code: props.functionCode?.(declaration),
        tables,
        deadLetters,
        network,
        logStorage,
        api,
        clusterName: config.clusterName,
        namespaces: config.namespaces,
        reservedConcurrency: reservations.get(declaration.name),
        fipsEndpoint,
        maxConcurrentRestarts: config.maxConcurrentRestarts,
        meshMode: config.meshMode,
        schedules,
        meshSchedules,
        eventBus,
        rotationFunctionArn,
        auditArchive,
      });
      controllers.set(declaration.name, controller);
      new CfnOutput(this, `${constructId(declaration.name)}RoleArn`, {
        description: `Role of ${controller.fn.functionName}`,
        value: controller.fn.role.roleArn,
      });
    }
    this.controllers = controllers;

    if (rotation !== undefined) {
      this.secretRotation = new SecretRotation(this, 'SecretRotation', {
        rotationFunction: controllers.get(rotation.name)!.fn.function,
        rotatedSecrets: config.rotatedSecrets,
        alerts,
        deadLetters,
      });
    } else if (config.rotatedSecrets.length > 0) {
      throw new Error('hms:rotatedSecrets lists secrets to rotate, but no deployed function has the secrets-rotate need');
    }

    new CfnOutput(this, 'ReservedConcurrency', {
      description: `Concurrent executions the functions reserve; the account's Lambda concurrency quota must be at least this plus ${LAMBDA_UNRESERVED_MINIMUM}`,
      value: String([...reservations.values()].reduce<number>((sum, n) => sum + (n ?? 0), 0)),
    });
    new CfnOutput(this, 'ApiUrl', { value: api.url });
    new CfnOutput(this, 'StateTableName', { value: tables.state.tableName });
    new CfnOutput(this, 'AuditTableName', { value: tables.audit.tableName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: deadLetters.queue.queueUrl });
    new CfnOutput(this, 'RbacCommand', {
      description: "Run with cluster-admin rights: the Kubernetes Roles the controllers' access entries rely on",
      value: `npx hms-sys rbac --namespaces ${config.namespaces.join(',')} | kubectl apply -f -`,
    });
    if (schedules !== undefined) new CfnOutput(this, 'BurstScheduleGroupName', { value: schedules.group.scheduleGroupName });
    if (meshSchedules !== undefined) new CfnOutput(this, 'MeshScheduleGroupName', { value: meshSchedules.group.scheduleGroupName });
    if (eventBus !== undefined) {
      new CfnOutput(this, 'EventBusName', { description: 'hms.sys events (budget alerts) are published here', value: eventBus.bus.eventBusName });
    }
    new CfnOutput(this, 'AuditArchiveBucketName', {
      description: 'Signed audit digests and the archive of audit records (Object Lock, compliance mode)',
      value: auditArchive.bucket.bucketName,
    });
    new CfnOutput(this, 'AuditSigningKeyArn', {
      description: 'Signs audit digests; anyone in the account may read its public key (aws kms get-public-key)',
      value: auditArchive.signingKey.keyArn,
    });
    new CfnOutput(this, 'AlertsTopicArn', { description: 'Subscribe operators here', value: alerts.topic.topicArn });
    new CfnOutput(this, 'FunctionSecurityGroupId', {
      description: 'Allow HTTPS from this group on the EKS cluster security group if the endpoint is private',
      value: network.securityGroup.securityGroupId,
    });
    if (network.databaseSecurityGroup !== undefined) {
      new CfnOutput(this, 'DatabaseClientSecurityGroupId', {
        description: 'Allow PostgreSQL (5432) from this group on the databases behind rotated secrets and issued credentials',
        value: network.databaseSecurityGroup.securityGroupId,
      });
    }
    if (this.secretRotation !== undefined) {
      new CfnOutput(this, 'RotationFunctionArn', {
        description: 'Set as the rotation function of secrets tagged hms:rotation-strategy (aws secretsmanager rotate-secret --rotation-lambda-arn)',
        value: controllers.get(rotation!.name)!.fn.function.functionArn,
      });
    }
  }

  /**
   * AWS_USE_FIPS_ENDPOINT for every function: as configured, else on in us-gov-* Regions. An
   * environment-agnostic stack learns its Region at deploy time, so there the value is chosen by
   * a condition on the partition; undefined leaves the variable out.
   */
  private fipsEndpointSetting(configured: boolean | undefined): string | undefined {
    if (configured !== undefined) return configured ? 'true' : undefined;
    if (!Token.isUnresolved(this.region)) return this.region.startsWith('us-gov-') ? 'true' : undefined;
    const inGovCloud = new CfnCondition(this, 'InGovCloud', { expression: Fn.conditionEquals(Aws.PARTITION, GOVCLOUD_PARTITION) });
    return Fn.conditionIf(inGovCloud.logicalId, 'true', 'false').toString();
  }
}

/** The GovCloud (US) partition, whose Regions are us-gov-*. */
const GOVCLOUD_PARTITION = 'aws-us-gov';
/** The deployed name of the burst runner, which one-shot schedules invoke; it must be deployed too. */
function burstRunnerName(declarations: readonly FunctionDeclaration[]): string {
  if (!declarations.some((declaration) => declaration.name === declared.burstRunnerFunction.name)) {
    throw new Error(`a function needs one-shot schedules, but ${declared.burstRunnerFunction.name}, which they invoke, is not deployed`);
  }
  return hmsFunctionName(declared.burstRunnerFunction);
}

/** The deployed name of the one function with the mesh-schedules need, which its schedules invoke. */
function meshFunctionName(declarations: readonly FunctionDeclaration[]): string {
  const [owner, ...others] = declarations.filter((declaration) => declaration.needs.includes('mesh-schedules'));
  if (owner === undefined || others.length > 0) {
    throw new Error(`mesh schedules invoke the function that sets them: one function may have the need, not ${others.length + (owner ? 1 : 0)}`);
  }
  return hmsFunctionName(owner);
}

/** `reconciler` -> `Reconciler`. */
function constructId(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
