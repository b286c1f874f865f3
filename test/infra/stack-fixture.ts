import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { FunctionDeclaration } from '#domain/triggers.ts';
import { type HmsSysConfig, readConfig } from '../../infra/config.ts';
import { HmsSysStack } from '../../infra/hms-sys-stack.ts';

/** Context values unlike cdk.json's, so a test can tell they came from context. */
export const TEST_CONTEXT = Object.freeze({
  'hms:clusterName': 'test-cluster',
  'hms:namespaces': 'benefits,payments',
  'hms:vpcId': 'vpc-0123456789abcdef0',
  'hms:subnetIds': 'subnet-0123456789abcdef1,subnet-0123456789abcdef2',
  'hms:jwtIssuer': 'https://issuer.example.test/pool-1',
  'hms:jwtAudience': 'aud-one,aud-two',
  // One secret with an explicit policy and one with the default, in the GovCloud partition.
  'hms:rotatedSecrets': [
    'arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:benefits/db-app-Ab12Cd=7d',
    'arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:payments/api-token-Xy98Zw',
  ],
});

/** Feature flags and defaults from cdk.json, so tests synthesize what `cdk synth` would. */
const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/** Stands in for every bundled handler; no esbuild run. */
const INLINE_HANDLER = 'exports.handler = async () => {};';

export interface StackFixture {
  readonly app: App;
  readonly stack: HmsSysStack;
  readonly config: HmsSysConfig;
  /** Output directory of the cloud assembly. */
  readonly outdir: string;
}

/**
 * Builds the app and stack the way infra/app.ts does, with inline code injected. Environment-agnostic
 * like infra/app.ts unless `env` names a Region (and account).
 */
export function buildStack(
  context: Record<string, unknown> = {},
  env?: { account: string; region: string },
  declarations?: readonly FunctionDeclaration[],
): StackFixture {
  const outdir = mkdtempSync(join(tmpdir(), 'hms-sys-cdk-'));
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...TEST_CONTEXT, ...context } });
  const config = readConfig((key) => app.node.tryGetContext(key));
  const stack = new HmsSysStack(app, 'HmsSysTest', {
    config,
    ...(env ? { env } : {}),
    ...(declarations ? { declarations } : {}),
    functionCode: () => lambda.Code.fromInline(INLINE_HANDLER),
  });
  return { app, stack, config, outdir };
}

let cached: { fixture: StackFixture; template: Template } | undefined;

/** The synthesized template of a default fixture, built once per test file. */
export function synthesizedTemplate(): { fixture: StackFixture; template: Template } {
  if (cached === undefined) {
    const fixture = buildStack();
    cached = { fixture, template: Template.fromStack(fixture.stack) };
  }
  return cached;
}

export interface Finding {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly paths: readonly string[];
}

interface ValidationReport {
  pluginReports?: {
    pluginName: string;
    violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

/**
 * Synthesizes with the cdk-nag packs attached as infra/app.ts attaches them and returns the
 * open findings of the validation report: cdk-nag errors and warnings, CloudFormation
 * validation, and CDK annotation warnings.
 */
export function synthesizeWithNag(
  context: Record<string, unknown> = {},
  declarations?: readonly FunctionDeclaration[],
): { fixture: StackFixture; findings: Finding[] } {
  const fixture = buildStack(context, undefined, declarations);
  Validations.of(fixture.app).addPlugins(new AwsSolutionsChecks(fixture.app), new NIST80053R5Checks(fixture.app));
  try {
    fixture.app.synth();
  } catch (error) {
    // Errors fail synth after the report is written; the report is what tests read.
    if (!(error instanceof Error) || !error.message.includes('Validation')) throw error;
  }
  const findings = (readReport(fixture.outdir).pluginReports ?? []).flatMap((plugin) =>
    plugin.violations
      .filter((violation) => violation.severity !== 'info')
      .map((violation) => ({
        plugin: plugin.pluginName,
        rule: violation.ruleName,
        severity: violation.severity,
        paths: violation.violatingConstructs.map((construct) => construct.constructPath),
      })),
  );
  return { fixture, findings };
}

function readReport(outdir: string): ValidationReport {
  const file = join(outdir, 'validation-report.json');
  // No report means no plugin had anything to say.
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ValidationReport) : {};
}

export interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every `Validations.of(...).acknowledge(...)` under `scope`, with its reason. */
export function acknowledgementsIn(scope: IConstruct): Acknowledgement[] {
  const found: Acknowledgement[] = [];
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return found;
}

/** A resource of the synthesized template, as the assertions read it. */
export type TemplateResource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };

/** An IAM policy statement, as synthesized. */
export interface PolicyStatementJson {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
