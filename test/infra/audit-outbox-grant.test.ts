import type { CfnElement } from 'aws-cdk-lib';
import { describe, expect, test } from 'vitest';
import { AUDIT_OUTBOX } from '#adapters/aws/audit-outbox-keys.ts';
import type { StateTables } from '../../infra/constructs/state-tables.ts';
import { FUNCTION_DECLARATIONS } from '../../infra/hms-sys-stack.ts';
import { allows, TemplateResolver } from './iam-model.ts';
import { type PolicyStatementJson, synthesizedTemplate, type TemplateResource } from './stack-fixture.ts';

// The 'audit-outbox' need, evaluated as IAM evaluates it: DeleteItem and UpdateItem on the audit table only where
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
const deleteOn = (resource: string, leadingKey?: string, action = 'dynamodb:DeleteItem') => ({
  action,
  resource,
  ...(leadingKey === undefined ? {} : { context: { 'dynamodb:LeadingKeys': leadingKey } }),
});
const updateOn = (resource: string, leadingKey?: string) => deleteOn(resource, leadingKey, 'dynamodb:UpdateItem');

const withOutbox = FUNCTION_DECLARATIONS.filter((d) => d.needs.includes('audit-outbox') && !d.needs.includes('audit-prune'));

describe("the 'audit-outbox' need", () => {
  test('is declared by every function that writes intents or drains the outbox', () => {
    expect(withOutbox.map((d) => d.name).sort()).toEqual(
      expect.arrayContaining(['api', 'cost-api', 'reconciler', 'rotation', 'scaler', 'secret-sweeper', 'secrets-api']),
    );
  });

  test('audit-outbox-drain is declared by every function that drains the outbox, each also holding audit-outbox', () => {
    const drainers = FUNCTION_DECLARATIONS.filter((d) => d.needs.includes('audit-outbox-drain'));
    expect(drainers.map((d) => d.name).sort()).toEqual(
      expect.arrayContaining(['api', 'audit-digest', 'consumer-restarter', 'credential-revoker', 'reconciler', 'rotation', 'secret-sweeper']),
    );
    for (const d of drainers) expect(d.needs, d.name).toContain('audit-outbox');
  });

  test.each(withOutbox.map((d) => d.name))('%s may delete outbox items, claim (update) them if it drains, and touch no audit record', (name) => {
    const statements = roleStatements(name);
    const drains = FUNCTION_DECLARATIONS.find((d) => d.name === name)?.needs.includes('audit-outbox-drain');
    if (!drains) expect(allows(statements, updateOn(auditTable, `${AUDIT_OUTBOX.streamPrefix}0`), resolver)).toBe(false);
    for (const request of drains ? [deleteOn, updateOn] : [deleteOn]) {
      for (let shard = 0; shard < AUDIT_OUTBOX.shards; shard++)
        expect(allows(statements, request(auditTable, `${AUDIT_OUTBOX.streamPrefix}${shard}`), resolver)).toBe(true);
      for (const chain of ['service#eligibility-api', 'system', 'lookup#2026-12-03', 'checkpoint#system', 'digest#system', 'xoutbox#0']) {
        expect(allows(statements, request(auditTable, chain), resolver), chain).toBe(false);
      }
      expect(allows(statements, request(auditTable), resolver), 'a request without the key').toBe(false);
    }
  });

  test('a function without the need may delete nothing in the audit table', () => {
    const without = FUNCTION_DECLARATIONS.filter((d) => !d.needs.includes('audit-outbox') && !d.needs.includes('audit-prune') && d.needs.includes('audit'));
    expect(without.length).toBeGreaterThan(0);
    for (const { name } of without) {
      expect(allows(roleStatements(name), deleteOn(auditTable, 'outbox#0'), resolver), name).toBe(false);
      expect(allows(roleStatements(name), updateOn(auditTable, 'outbox#0'), resolver), name).toBe(false);
    }
  });

  test('grants nothing on the state table', () => {
    const needOnly = roleStatements('rotation');
    expect(allows(needOnly, deleteOn(stateTable, 'outbox#0'), resolver)).toBe(false);
  });
});
