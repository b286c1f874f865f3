import type { CfnElement } from 'aws-cdk-lib';
import { describe, expect, test } from 'vitest';
import { AUDIT_OUTBOX } from '#adapters/aws/audit-outbox-keys.ts';
import type { StateTables } from '../../infra/constructs/state-tables.ts';
import { FUNCTION_DECLARATIONS } from '../../infra/hms-sys-stack.ts';
import { allows, TemplateResolver } from './iam-model.ts';
import { type PolicyStatementJson, synthesizedTemplate, type TemplateResource } from './stack-fixture.ts';

// The 'audit-outbox' need, evaluated as IAM evaluates it: DeleteItem on the audit table only where
// every partition key value of the request (dynamodb:LeadingKeys) starts outbox#, and never for a
// request that carries none (ForAllValues alone would allow that; the Null condition refuses it).
const { fixture, template } = synthesizedTemplate();
const { stack } = fixture;
const resources = template.toJSON().Resources as Record<string, TemplateResource>;
const resolver = new TemplateResolver(resources);
const tables = stack.node.findChild('Tables') as StateTables;
const auditTable = resolver.resolve(stack.resolve(tables.audit.tableArn)) as string;
const stateTable = resolver.resolve(stack.resolve(tables.state.tableArn)) as string;

function roleStatements(name: string): PolicyStatementJson[] {
  const roleId = stack.getLogicalId(stack.controllers.get(name)!.fn.role.node.defaultChild as CfnElement);
  const refs = (resources[roleId]!.Properties.ManagedPolicyArns as { Ref?: string }[]).flatMap((arn) => (arn.Ref ? [arn.Ref] : []));
  return refs.flatMap((id) => resources[id]!.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
}
const deleteOn = (resource: string, leadingKey?: string) => ({
  action: 'dynamodb:DeleteItem',
  resource,
  ...(leadingKey === undefined ? {} : { context: { 'dynamodb:LeadingKeys': leadingKey } }),
});

const withOutbox = FUNCTION_DECLARATIONS.filter((d) => d.needs.includes('audit-outbox') && !d.needs.includes('audit-prune'));

describe("the 'audit-outbox' need", () => {
  test('is declared by every function that writes intents or drains the outbox', () => {
    expect(withOutbox.map((d) => d.name).sort()).toEqual(
      expect.arrayContaining(['api', 'cost-api', 'reconciler', 'rotation', 'scaler', 'secret-sweeper', 'secrets-api']),
    );
  });

  test.each(withOutbox.map((d) => d.name))('%s may delete outbox items and no audit record', (name) => {
    const statements = roleStatements(name);
    for (let shard = 0; shard < AUDIT_OUTBOX.shards; shard++)
      expect(allows(statements, deleteOn(auditTable, `${AUDIT_OUTBOX.streamPrefix}${shard}`), resolver)).toBe(true);
    for (const chain of ['service#eligibility-api', 'system', 'lookup#2026-12-03', 'checkpoint#system', 'digest#system', 'xoutbox#0']) {
      expect(allows(statements, deleteOn(auditTable, chain), resolver), chain).toBe(false);
    }
    expect(allows(statements, deleteOn(auditTable), resolver), 'a request without the key').toBe(false);
  });

  test('a function without the need may delete nothing in the audit table', () => {
    const without = FUNCTION_DECLARATIONS.filter((d) => !d.needs.includes('audit-outbox') && !d.needs.includes('audit-prune') && d.needs.includes('audit'));
    expect(without.length).toBeGreaterThan(0);
    for (const { name } of without) expect(allows(roleStatements(name), deleteOn(auditTable, 'outbox#0'), resolver), name).toBe(false);
  });

  test('grants nothing on the state table', () => {
    const needOnly = roleStatements('rotation');
    expect(allows(needOnly, deleteOn(stateTable, 'outbox#0'), resolver)).toBe(false);
  });
});
