import type { CfnElement } from 'aws-cdk-lib';
import { describe, expect, test } from 'vitest';
import { RECORD_STREAM_KEYS } from '../../infra/constructs/audit-archive-grants.ts';
import { GRANTED_NEEDS } from '../../infra/constructs/need-grants.ts';
import { FUNCTION_DECLARATIONS } from '../../infra/hms-sys-stack.ts';
import { synthesizedTemplate } from './stack-fixture.ts';

const { fixture, template } = synthesizedTemplate();
const { stack } = fixture;
type Resource = { Type: string; Properties: Record<string, any> };
const resources = template.toJSON().Resources as Record<string, Resource>;

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, unknown>;
}

interface FoundStatement {
  resourceId: string;
  type: string;
  statement: Statement;
}

/** Every policy statement in the template: identity policies, resource policies and key policies. */
function allStatements(): FoundStatement[] {
  const found: FoundStatement[] = [];
  for (const [resourceId, resource] of Object.entries(resources)) {
    const p = resource.Properties ?? {};
    const documents = [
      p.PolicyDocument,
      p.KeyPolicy,
      p.AssumeRolePolicyDocument,
      ...((p.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((policy) => policy.PolicyDocument),
    ].filter(Boolean) as { Statement: Statement[] }[];
    for (const document of documents) {
      for (const statement of document.Statement) found.push({ resourceId, type: resource.Type, statement });
    }
  }
  return found;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const actionsOf = (statement: Statement) => list(statement.Action) as string[];

/**
 * The account-root statement of a KMS key policy (`kms:*` on the key, to the account root):
 * the AWS default that lets IAM policies in the account grant use of the key. It grants
 * nothing by itself; every role here gets named KMS actions on named keys.
 */
function isKeyPolicyAccountDelegation({ type, statement }: FoundStatement): boolean {
  const principal = JSON.stringify(statement.Principal);
  return type === 'AWS::KMS::Key' && actionsOf(statement).join() === 'kms:*' && principal.includes(':root');
}

/** Actions that support no resource-level permissions, so their resource has to be `*`. */
const UNSCOPABLE_ACTIONS = new Set([
  'cloudwatch:GetMetricData',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'secretsmanager:GetRandomPassword',
  'secretsmanager:ListSecrets',
]);

function grantsOf(name: string): Statement[] {
  const role = stack.controllers.get(name)!.fn.role;
  const roleId = stack.getLogicalId(role.node.defaultChild as CfnElement);
  const policyIds = (resources[roleId]!.Properties.ManagedPolicyArns as { Ref?: string }[]).flatMap((arn) => (arn.Ref ? [arn.Ref] : []));
  return policyIds.flatMap((id) => resources[id]!.Properties.PolicyDocument.Statement as Statement[]);
}

describe('IAM', () => {
  const statements = allStatements();
  const allows = statements.filter(({ statement }) => statement.Effect === 'Allow');

  test('the template has policy statements to check', () => {
    expect(allows.length).toBeGreaterThan(20);
  });

  test('no Allow statement grants a wildcard action (bar the key-policy account delegation)', () => {
    const wildcards = allows
      .filter((found) => !isKeyPolicyAccountDelegation(found))
      .filter(({ statement }) => actionsOf(statement).some((action) => action.includes('*')))
      .map(({ resourceId, statement }) => `${resourceId}: ${actionsOf(statement).join(', ')}`);
    expect(wildcards).toEqual([]);
  });

  test('identity policies use Resource "*" only for actions that support no resource-level permissions', () => {
    const offenders = allows
      .filter(({ type }) => type === 'AWS::IAM::ManagedPolicy' || type === 'AWS::IAM::Policy')
      .filter(({ statement }) => list(statement.Resource).includes('*'))
      .filter(({ statement }) => actionsOf(statement).some((action) => !UNSCOPABLE_ACTIONS.has(action)))
      .map(({ resourceId, statement }) => `${resourceId}: ${actionsOf(statement).join(', ')}`);
    expect(offenders).toEqual([]);
  });

  test('cloudwatch:GetMetricData is granted on "*" alone, once per function declaring metrics-read', () => {
    const metricsRead = allows.filter(({ statement }) => actionsOf(statement).includes('cloudwatch:GetMetricData'));
    expect(metricsRead.length).toBe(FUNCTION_DECLARATIONS.filter((d) => d.needs.includes('metrics-read')).length);
    for (const { statement } of metricsRead) {
      expect(actionsOf(statement)).toEqual(['cloudwatch:GetMetricData']);
      expect(statement.Resource).toBe('*');
    }
  });

  test('no role may scan a table', () => {
    const scans = allows.filter(({ statement }) => actionsOf(statement).some((a) => a === 'dynamodb:Scan'));
    expect(scans).toEqual([]);
    expect(grantsOf('scaler').flatMap(actionsOf)).not.toContain('dynamodb:Scan');
  });

  test('grants on the audit table and its index update only outbox items, and delete only outbox items or (audit-prune) record stream items', () => {
    const auditId = stack.getLogicalId(stack.node.findChild('Tables').node.findChild('Audit').node.defaultChild as CfnElement);
    const onAudit = allows.filter(({ statement }) => JSON.stringify(statement.Resource ?? null).includes(`"${auditId}"`));
    expect(onAudit.length).toBeGreaterThan(0);
    const outboxOnly = {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['outbox#*'] },
      Null: { 'dynamodb:LeadingKeys': 'false' },
    };
    const updates = onAudit.filter(({ statement }) => actionsOf(statement).includes('dynamodb:UpdateItem'));
    // CDK merges the two outbox statements of a drainer's role into one: DeleteItem and UpdateItem, same condition.
    for (const { statement } of updates) {
      expect(statement.Condition).toEqual(outboxOnly);
      expect(actionsOf(statement).filter((a) => a !== 'dynamodb:DeleteItem')).toEqual(['dynamodb:UpdateItem']);
    }
    expect(updates.length).toBe(FUNCTION_DECLARATIONS.filter((d) => d.needs.includes('audit-outbox-drain')).length);
    const deletes = onAudit.filter(({ statement }) => actionsOf(statement).includes('dynamodb:DeleteItem'));
    const recordsOnly = { ...outboxOnly, 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...RECORD_STREAM_KEYS] } };
    const isOutbox = (statement: Statement) => JSON.stringify(statement.Condition) === JSON.stringify(outboxOnly);
    const [outbox, prune] = [deletes.filter(({ statement }) => isOutbox(statement)), deletes.filter(({ statement }) => !isOutbox(statement))];
    for (const { statement } of outbox) expect(actionsOf(statement).filter((a) => a !== 'dynamodb:UpdateItem')).toEqual(['dynamodb:DeleteItem']);
    for (const { statement } of prune) expect(statement).toMatchObject({ Action: 'dynamodb:DeleteItem', Condition: recordsOnly });
    expect(outbox.length).toBe(FUNCTION_DECLARATIONS.filter((d) => d.needs.includes('audit-outbox')).length);
    expect(prune.length).toBe(FUNCTION_DECLARATIONS.filter((d) => d.needs.includes('audit-prune')).length);
    const indexQuery = onAudit.find(({ statement }) => JSON.stringify(statement.Resource ?? null).includes('/index/byTime'));
    expect(indexQuery?.statement.Action).toBe('dynamodb:Query');
  });

  test.each(FUNCTION_DECLARATIONS)('$name may write alarms only if it declares alarms-write', (declaration) => {
    const actions = grantsOf(declaration.name).flatMap(actionsOf);
    expect(actions.includes('cloudwatch:PutMetricAlarm')).toBe(declaration.needs.includes('alarms-write'));
    expect(actions.includes('cloudwatch:DescribeAlarms')).toBe(declaration.needs.includes('alarms-read'));
  });

  const alarmArn = (name: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:alarm:${name}`]],
  });

  test("alarm writes are limited to hms-sys alarms in the stack's partition, Region and account", () => {
    const writes = allows.filter(({ statement }) => actionsOf(statement).some((a) => a === 'cloudwatch:PutMetricAlarm' || a === 'cloudwatch:DeleteAlarms'));
    expect(writes.length).toBeGreaterThan(0);
    for (const { statement } of writes) expect(statement.Resource).toEqual(alarmArn('hms-sys-*'));
  });

  test("DescribeAlarms, authorized against alarm:* whatever the prefix, is granted there alone and in the stack's Region and account", () => {
    const describes = allows.filter(({ statement }) => actionsOf(statement).includes('cloudwatch:DescribeAlarms'));
    expect(describes.length).toBe(FUNCTION_DECLARATIONS.filter((d) => d.needs.includes('alarms-read')).length);
    for (const { statement } of describes) {
      expect(actionsOf(statement)).toEqual(['cloudwatch:DescribeAlarms']);
      expect(statement.Resource).toEqual(alarmArn('*'));
    }
  });

  test('every need with a grant is declared by some function: no grant is left that nothing uses', () => {
    const declared = new Set(FUNCTION_DECLARATIONS.flatMap((d) => d.needs));
    expect(GRANTED_NEEDS.filter((need) => !declared.has(need))).toEqual([]);
  });

  test('no ARN in the template hard-codes the aws partition', () => {
    expect(JSON.stringify(template.toJSON())).not.toMatch(/arn:aws:/);
  });
});
