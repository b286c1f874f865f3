import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionDeclaration } from '#domain/triggers.ts';
import { REPO_ROOT } from '../lambda-bundling.ts';
import type { DeadLetters } from './dead-letters.ts';
import type { FunctionNetwork } from './function-network.ts';
import type { LogStorage } from './log-storage.ts';
import { ManagedPolicyRole } from './managed-policy-role.ts';

/** Prefix of every function name, and so of each HMS_ACTOR. */
export const NAME_PREFIX = 'hms-sys';

/** Environment every function gets; a caller's values win over these. */
export const FUNCTION_ENVIRONMENT_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  POWERTOOLS_SERVICE_NAME: 'hms-sys',
  POWERTOOLS_METRICS_NAMESPACE: 'HmsSys',
  NODE_OPTIONS: '--enable-source-maps',
});

/** The deployed name of a declared function, e.g. hms-sys-scaler. */
export function hmsFunctionName(declaration: FunctionDeclaration): string {
  return `${NAME_PREFIX}-${declaration.name}`;
}

export interface HmsFunctionProps {
  /** The function's declaration: folder name, description, timeout and memory. */
  readonly declaration: FunctionDeclaration;
  /**
   * Prebuilt code to deploy instead of bundling `functions/<name>/handler.ts` with esbuild;
   * it must export `handler` from `index`. Tests pass inline code so synth needs no bundling.
   * @default - esbuild bundles the handler locally (never in Docker)
   */
  readonly code?: lambda.Code;
  /** Variables merged over FUNCTION_ENVIRONMENT_DEFAULTS. */
  readonly environment?: Readonly<Record<string, string>>;
  /** VPC, subnets and security groups the function runs in (by its needs). */
  readonly network: FunctionNetwork;
  /** Queue for asynchronous invocations that fail every retry. */
  readonly deadLetters: DeadLetters;
  /** Makes the function's encrypted log group. */
  readonly logStorage: LogStorage;
  /** Concurrent executions reserved for (and capping) this function; undefined reserves none. */
  readonly reservedConcurrency: number | undefined;
}

/**
 * The project's one Lambda function shape: Node.js 24 on ARM64, bundled as minified ESM with
 * the AWS SDK inside, X-Ray tracing, a dedicated encrypted log group, reserved concurrency,
 * a dead-letter queue, and a place in the VPC. Its role keeps every permission in
 * customer-managed policies (see ManagedPolicyRole).
 */
export class HmsFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: ManagedPolicyRole;
  readonly logGroup: logs.LogGroup;
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: HmsFunctionProps) {
    super(scope, id);
    const { declaration, network } = props;
    this.functionName = hmsFunctionName(declaration);
    this.logGroup = props.logStorage.createLogGroup(this, 'Logs', `/aws/lambda/${this.functionName}`);

    this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${this.functionName}: ${declaration.description}`,
    });
    this.logGroup.grantWrite(this.role);
    props.deadLetters.grantSend(this.role);
    const securityGroups = network.securityGroupsFor(declaration.needs);
    this.role.addPolicy('NetworkInterfaces', network.networkInterfaceStatements(securityGroups), network.networkInterfaceAcknowledgements());
    this.role.addPolicy(
      'Tracing',
      [tracingStatement()],
      [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
        },
      ],
    );

    this.function = new lambda.Function(this, 'Function', {
      functionName: this.functionName,
      description: declaration.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: declaration.memoryMb,
      timeout: Duration.seconds(declaration.timeoutSeconds),
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: { ...FUNCTION_ENVIRONMENT_DEFAULTS, ...props.environment },
      role: this.role,
      logGroup: this.logGroup,
      deadLetterQueue: props.deadLetters.queue,
      vpc: network.vpc,
      vpcSubnets: network.subnets,
      securityGroups,
      code: props.code ?? bundledCode(declaration),
      handler: 'index.handler',
    });
    if (props.reservedConcurrency === undefined) {
      Validations.of(this.function).acknowledge({
        id: 'NIST.800.53.R5-LambdaConcurrency',
        reason:
          "The deployer set hms:reservedConcurrency to none because the account concurrency quota cannot spare a reservation (Lambda keeps 100 unreserved); the function then shares the account's unreserved pool.",
      });
    }
    // Tracing is switched on here rather than through `tracing`, whose generated X-Ray
    // statement would land among the scoped grants; the Tracing policy above carries it.
    (this.function.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: lambda.Tracing.ACTIVE };
  }
}

function tracingStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
    resources: ['*'],
  });
}

/**
 * `functions/<name>/handler.ts` bundled locally (never in Docker) by infra/bundle-handler.ts, the
 * esbuild build the benchmarks measure, into `index.mjs` and its source map.
 */
function bundledCode(declaration: FunctionDeclaration): lambda.Code {
  const outDir = mkdtempSync(join(tmpdir(), `hms-sys-${declaration.name}-`));
  return lambda.Code.fromCustomCommand(outDir, [process.execPath, '--import', 'tsx', `${REPO_ROOT}infra/bundle-handler.ts`, declaration.name, outDir], {
    commandOptions: { cwd: REPO_ROOT, stdio: 'inherit' },
  });
}
