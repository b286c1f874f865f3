import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { type AuditIndexName, auditTableInput } from '#adapters/aws/table-design.ts';
import { buildStack } from './stack-fixture.ts';

type Resource = { Type: string; Properties: Record<string, any> };

/** The README's upgrade steps for a stack deployed with the single byTime index, in order. */
const STEPS: { context: string | undefined; indexes: AuditIndexName[] }[] = [
  { context: 'byTime', indexes: ['byTime'] },
  { context: 'byTime,byTimeShard', indexes: ['byTime', 'byTimeShard'] },
  { context: 'byTime,byTimeShard,byStreamTime', indexes: ['byTime', 'byTimeShard', 'byStreamTime'] },
  { context: undefined, indexes: ['byTimeShard', 'byStreamTime'] },
];

function synth(context: string | undefined) {
  const { stack } = buildStack(context === undefined ? {} : { 'hms:auditIndexes': context });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  const auditId = stack.getLogicalId(stack.node.findChild('Tables').node.findChild('Audit').node.defaultChild as CfnElement);
  return { stack, resources, audit: resources[auditId]!, auditId };
}

const synthesized = STEPS.map((step) => ({ ...step, ...synth(step.context) }));

describe('hms:auditIndexes upgrade steps', () => {
  test.each(synthesized)('$context: the audit table has exactly $indexes, as the sandbox would build them', ({ audit, indexes }) => {
    const gsis = audit.Properties.GlobalSecondaryIndexes as { IndexName: string }[];
    expect(gsis.map((index) => index.IndexName)).toEqual(indexes);
    const sandbox = auditTableInput('audit', indexes);
    expect(gsis).toEqual(sandbox.GlobalSecondaryIndexes);
    expect(new Set(audit.Properties.AttributeDefinitions)).toEqual(new Set(sandbox.AttributeDefinitions));
  });

  test('each deploy creates or deletes one index, as DynamoDB allows per table update', () => {
    const sets = synthesized.map((step) => new Set<string>(step.indexes));
    for (let i = 1; i < sets.length; i++) {
      const added = [...sets[i]!].filter((name) => !sets[i - 1]!.has(name));
      const removed = [...sets[i - 1]!].filter((name) => !sets[i]!.has(name));
      expect(added.length + removed.length).toBe(1);
    }
  });

  test.each(synthesized)('$context: every function is told the set, and may query exactly those indexes', ({ resources, auditId, indexes }) => {
    const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    const withAudit = functions.filter((fn) => fn.Properties.Environment?.Variables?.AUDIT_TABLE !== undefined);
    expect(withAudit.length).toBeGreaterThan(0);
    for (const fn of withAudit) expect(fn.Properties.Environment.Variables.HMS_AUDIT_INDEXES).toBe(indexes.join(','));

    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const indexArns = statements
      .flatMap((statement) => [statement.Resource].flat())
      .map((resource) => JSON.stringify(resource))
      .filter((text) => text.includes(`"${auditId}"`) && text.includes('/index/'));
    const granted = new Set(indexArns.map((text) => /\/index\/([^"]+)"/.exec(text)![1]));
    expect([...granted].sort()).toEqual([...indexes].sort());
    for (const statement of statements) {
      const onIndex = [statement.Resource].flat().some((r) => JSON.stringify(r).includes(`"${auditId}"`) && JSON.stringify(r).includes('/index/'));
      if (onIndex) expect([statement.Action].flat()).toEqual(['dynamodb:Query']);
    }
  });
});
