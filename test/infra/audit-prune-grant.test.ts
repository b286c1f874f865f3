import type { CfnElement } from 'aws-cdk-lib';
import { describe, expect, test } from 'vitest';
import type { StateTables } from '../../infra/constructs/state-tables.ts';
import { FUNCTION_DECLARATIONS } from '../../infra/hms-sys-stack.ts';
import { allows, TemplateResolver } from './iam-model.ts';
import { type PolicyStatementJson, synthesizedTemplate, type TemplateResource } from './stack-fixture.ts';

// The 'audit-prune' need, evaluated as IAM evaluates it: DeleteItem on the audit table only where every
// partition key of the request is a record stream's, never an outbox item, a checkpoint or the digest state.
const { fixture, template } = synthesizedTemplate();
const { stack } = fixture;
const resources = template.toJSON().Resources as Record<string, TemplateResource>;
const resolver = new TemplateResolver(resources);
const auditTable = resolver.resolve(stack.resolve((stack.node.findChild('Tables') as StateTables).audit.tableArn)) as string;

function roleStatements(name: string): PolicyStatementJson[] {
  const roleId = stack.getLogicalId(stack.controllers.get(name)!.fn.role.node.defaultChild as CfnElement);
  const refs = (resources[roleId]!.Properties.ManagedPolicyArns as { Ref?: string }[]).flatMap((arn) => (arn.Ref ? [arn.Ref] : []));
  return refs.flatMap((id) => resources[id]!.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
}
const deleteOn = (leadingKey?: string) => ({
  action: 'dynamodb:DeleteItem',
  resource: auditTable,
  ...(leadingKey === undefined ? {} : { context: { 'dynamodb:LeadingKeys': leadingKey } }),
});

const pruners = FUNCTION_DECLARATIONS.filter((d) => d.needs.includes('audit-prune'));

describe("the 'audit-prune' need", () => {
  test('is declared by the digest function', () => {
    expect(pruners.map((d) => d.name)).toContain('audit-digest');
  });

  test.each(pruners.map((d) => d.name))('%s may delete records of change and lookup streams, and nothing else in the audit table', (name) => {
    const statements = roleStatements(name);
    // The prune's own statement, apart from the audit-outbox need's DeleteItem on outbox# items.
    const prune = statements.filter((s) => JSON.stringify(s.Condition ?? {}).includes('service#*'));
    expect(prune).toHaveLength(1);
    for (const stream of ['service#eligibility-api', 'system', 'lookup#2026-12-03']) expect(allows(prune, deleteOn(stream), resolver), stream).toBe(true);
    const others = ['digest#system', 'pruned#system', 'verified#service#a', 'digest-run', 'digest-retry', 'checkpoint#system', 'systems', 'xservice#a'];
    expect(allows(prune, deleteOn('outbox#0'), resolver), 'outbox#0').toBe(false);
    for (const other of others) expect(allows(statements, deleteOn(other), resolver), other).toBe(false);
    expect(allows(statements, deleteOn(), resolver), 'a request without the key').toBe(false);
  });
});
