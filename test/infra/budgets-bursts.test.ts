import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { ALL_SCOPES, type Need, type ScheduleTrigger } from '#domain/triggers.ts';
import { burstRunnerFunction, costApiFunction, meterFunction } from '#functions/index.ts';
import { FUNCTION_DECLARATIONS } from '../../infra/hms-sys-stack.ts';
import { type PolicyStatementJson, synthesizedTemplate, TEST_CONTEXT, type TemplateResource } from './stack-fixture.ts';

const { fixture, template } = synthesizedTemplate();
const { stack } = fixture;
type Resource = TemplateResource;
const resources = template.toJSON().Resources as Record<string, Resource>;

type Statement = PolicyStatementJson;

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const actionsOf = (statement: Statement) => list(statement.Action);
const idOf = (element: unknown) => stack.getLogicalId(element as CfnElement);
const onlyId = (type: string) => {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};
/** `arn:<partition>:<service>:<region>:<account>:<rest>` as the stack writes it. */
const arnOf = (service: string, rest: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:`, { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${rest}`]],
});

function functionIdOf(name: string): string {
  return idOf(stack.controllers.get(name)!.fn.function.node.defaultChild);
}
function environmentOf(name: string): Record<string, unknown> {
  return resources[functionIdOf(name)]!.Properties.Environment.Variables;
}
/** Statements of every managed policy attached to a role. */
function statementsOfRole(roleId: string): Statement[] {
  const policyIds = (resources[roleId]!.Properties.ManagedPolicyArns as { Ref?: string }[]).flatMap((arn) => (arn.Ref ? [arn.Ref] : []));
  expect(resources[roleId]!.Properties.Policies).toBeUndefined();
  return policyIds.flatMap((id) => resources[id]!.Properties.PolicyDocument.Statement as Statement[]);
}
function grantsOf(name: string): Statement[] {
  return statementsOfRole(idOf(stack.controllers.get(name)!.fn.role.node.defaultChild));
}
const withAction = (statements: Statement[], action: string) => statements.filter((s) => actionsOf(s).includes(action));
const withPrefix = (statements: Statement[], prefix: string) => statements.filter((s) => actionsOf(s).some((a) => a.startsWith(prefix)));
const needing = (need: Need) => FUNCTION_DECLARATIONS.filter((d) => d.needs.includes(need)).map((d) => d.name);
const notNeeding = (need: Need) => FUNCTION_DECLARATIONS.filter((d) => !d.needs.includes(need)).map((d) => d.name);
/** Functions that set no one-shot schedules of either kind (the mesh function's are in test/infra/mesh.test.ts). */
const settingNoSchedules = () => notNeeding('schedules').filter((name) => !needing('mesh-schedules').includes(name));

// The burst group's; the mesh function's one-shot schedules have their own (test/infra/mesh.test.ts).
const groupId = Object.keys(template.findResources('AWS::Scheduler::ScheduleGroup', { Properties: { Name: 'hms-sys-bursts' } }))[0]!;
const busId = onlyId('AWS::Events::EventBus');
const topicId = onlyId('AWS::SNS::Topic');
const deadLetterQueueId = onlyId('AWS::SQS::Queue');
const schedulerRoleId = Object.entries(resources)
  .filter(([, r]) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'))
  .filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('schedule-group/hms-sys-bursts'))
  .map(([id]) => id);
const payloadKeyId = idOf(stack.node.findChild('BurstSchedules').node.findChild('Key').node.defaultChild);
const deadLetterKeyId = idOf(stack.node.findChild('DeadLetters').node.findChild('Key').node.defaultChild);
const scheduleArns = arnOf('scheduler', 'schedule/hms-sys-bursts/*');
const runnerArn = arnOf('lambda', 'function:hms-sys-burst-runner');

describe('burst schedules', () => {
  test('one schedule group, hms-sys-bursts', () => {
    expect(resources[groupId]!.Properties).toEqual({ Name: 'hms-sys-bursts' });
  });

  test("exactly one role trusts EventBridge Scheduler for the burst group, only for this account's", () => {
    expect(schedulerRoleId).toHaveLength(1);
    expect(resources[schedulerRoleId[0]!]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: { 'aws:SourceArn': arnOf('scheduler', 'schedule-group/hms-sys-bursts') },
        },
      },
    ]);
  });

  test('the scheduler role may invoke the burst runner, send to the dead-letter queue and read schedule payloads, nothing else', () => {
    const statements = statementsOfRole(schedulerRoleId[0]!);
    expect(statements.flatMap(actionsOf).sort()).toEqual(
      ['kms:Decrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'lambda:InvokeFunction', 'sqs:SendMessage'].sort(),
    );
    expect(withAction(statements, 'lambda:InvokeFunction')).toEqual([expect.objectContaining({ Resource: runnerArn })]);
    expect(withAction(statements, 'sqs:SendMessage')).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] } })]);
    expect(withAction(statements, 'kms:GenerateDataKey')).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [deadLetterKeyId, 'Arn'] } })]);
    const payloadDecrypt = withAction(statements, 'kms:Decrypt').filter((s) => JSON.stringify(s.Resource).includes(payloadKeyId));
    expect(payloadDecrypt).toEqual([
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:scheduler:schedule:arn': scheduleArns } },
      }),
    ]);
  });

  test("the runner ARN the role may invoke is the deployed runner's, formatted from its name", () => {
    expect(resources[functionIdOf(burstRunnerFunction.name)]!.Properties.FunctionName).toBe('hms-sys-burst-runner');
    const invokesOfRunner = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')
      .flatMap((r) => withAction(r.Properties.PolicyDocument.Statement, 'lambda:InvokeFunction'))
      .filter((statement) => JSON.stringify(statement.Resource).includes('function:hms-sys-burst-runner'));
    expect(invokesOfRunner).toEqual([expect.objectContaining({ Resource: runnerArn })]);
  });

  test('schedule payloads are encrypted with a rotating customer-managed key', () => {
    expect(resources[payloadKeyId]!.Properties.EnableKeyRotation).toBe(true);
  });

  test.each([costApiFunction.name, burstRunnerFunction.name])('%s gets where schedules go and whom they invoke', (name) => {
    expect(environmentOf(name)).toMatchObject({
      SCHEDULE_GROUP: 'hms-sys-bursts',
      BURST_RUNNER_ARN: runnerArn,
      SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [schedulerRoleId[0], 'Arn'] },
      SCHEDULER_DLQ_ARN: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] },
      SCHEDULER_KMS_KEY_ARN: { 'Fn::GetAtt': [payloadKeyId, 'Arn'] },
    });
    expect(resources[functionIdOf(name)]!.DependsOn).toContain(groupId);
  });

  test('functions that set no schedules get no scheduling environment', () => {
    for (const name of settingNoSchedules()) expect(Object.keys(environmentOf(name))).not.toContain('SCHEDULER_ROLE_ARN');
  });
});

describe('meter and burst runner schedules', () => {
  test.each([meterFunction, burstRunnerFunction])('$name runs every minute from its declared schedule, with a dead-letter queue', (declaration) => {
    const [trigger] = declaration.triggers.filter((t): t is ScheduleTrigger => t.kind === 'schedule');
    expect(trigger?.rateMinutes).toBe(1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionIdOf(declaration.name), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] } },
        }),
      ],
    });
  });
});

describe('grants for the new needs', () => {
  test('the needs are declared where expected, so the grant tests below check something', () => {
    expect(needing('node-groups-read').sort()).toEqual(['burst-runner', 'cost-api']);
    expect(needing('schedules').sort()).toEqual(['burst-runner', 'cost-api']);
    // Of the two mesh functions only mesh-ops publishes (the root CA alert); mesh applies manifests and sends no events.
    expect(needing('cluster-mesh').sort()).toEqual(['mesh', 'mesh-ops']);
    expect(needing('events-publish').sort()).toEqual(['mesh-ops', 'meter', 'secret-sweeper', 'secrets-api']);
  });

  test.each(needing('node-groups-read'))("%s may list the cluster's node groups and describe only that cluster's node groups", (name) => {
    const grants = grantsOf(name);
    expect(withAction(grants, 'eks:ListNodegroups')).toEqual([
      expect.objectContaining({ Resource: arnOf('eks', `cluster/${TEST_CONTEXT['hms:clusterName']}`) }),
    ]);
    expect(withAction(grants, 'eks:DescribeNodegroup')).toEqual([
      expect.objectContaining({ Action: 'eks:DescribeNodegroup', Resource: arnOf('eks', `nodegroup/${TEST_CONTEXT['hms:clusterName']}/*/*`) }),
    ]);
  });

  test.each(needing('schedules'))('%s may manage schedules in the burst group only, and pass only the scheduler role, only to Scheduler', (name) => {
    const grants = grantsOf(name);
    const scheduler = withPrefix(grants, 'scheduler:');
    expect(scheduler).toEqual([expect.objectContaining({ Resource: scheduleArns })]);
    expect(actionsOf(scheduler[0]!).sort()).toEqual(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule']);
    expect(withAction(grants, 'iam:PassRole')).toEqual([
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: { 'Fn::GetAtt': [schedulerRoleId[0], 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]);
    const payloadKey = grants.filter((s) => JSON.stringify(s.Resource).includes(payloadKeyId));
    expect(payloadKey).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'kms:DescribeKey' }),
        expect.objectContaining({
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:scheduler:schedule:arn': scheduleArns } },
        }),
      ]),
    );
    expect(payloadKey).toHaveLength(2);
  });

  test.each(needing('events-publish'))('%s may put events on the hms-sys bus only, with the hms.sys source', (name) => {
    expect(withPrefix(grantsOf(name), 'events:')).toEqual([
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': [busId, 'Arn'] },
        Condition: { StringEquals: { 'events:source': 'hms.sys' } },
      },
    ]);
    expect(environmentOf(name)).toMatchObject({ EVENT_BUS_NAME: { Ref: busId } });
  });

  test('functions without a need get none of its grants', () => {
    for (const name of notNeeding('node-groups-read')) {
      expect(withAction(grantsOf(name), 'eks:ListNodegroups')).toEqual([]);
      expect(withAction(grantsOf(name), 'eks:DescribeNodegroup')).toEqual([]);
    }
    for (const name of settingNoSchedules()) {
      expect(withPrefix(grantsOf(name), 'scheduler:')).toEqual([]);
      expect(withAction(grantsOf(name), 'iam:PassRole')).toEqual([]);
    }
    for (const name of notNeeding('events-publish')) expect(withPrefix(grantsOf(name), 'events:')).toEqual([]);
  });

  test('no new grant uses a wildcard action or Resource "*"', () => {
    for (const name of [...needing('node-groups-read'), ...needing('schedules'), ...needing('events-publish')]) {
      const scoped = grantsOf(name).filter((s) => actionsOf(s).some((a) => /^(eks|scheduler|iam|events):/.test(a)));
      expect(scoped.length).toBeGreaterThan(0);
      for (const statement of scoped) {
        expect(actionsOf(statement).some((a) => a.includes('*'))).toBe(false);
        expect(list(statement.Resource)).not.toContain('*');
      }
    }
  });
});

describe('cost API routes', () => {
  test.each([
    ['POST /budgets/{service}', 'hms/budgets.write'],
    ['DELETE /budgets/{service}', 'hms/budgets.write'],
    ['GET /budgets/{service}', 'hms/rules.read'],
    ['GET /budgets', 'hms/rules.read'],
    ['POST /bursts', 'hms/bursts.write'],
    ['DELETE /bursts/{id}', 'hms/bursts.write'],
    ['GET /bursts/{id}', 'hms/rules.read'],
  ])('%s needs a JWT with %s and reaches the cost-api function', (routeKey, scope) => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).filter((r) => r.Properties.RouteKey === routeKey);
    expect(routes).toHaveLength(1);
    // A read passes the gateway with any hms-sys scope; the function checks its own and records a denied lookup.
    expect(routes[0]!.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizationScopes: routeKey.startsWith('GET ') ? [...ALL_SCOPES] : [scope] });
    const integrationId = (routes[0]!.Properties.Target['Fn::Join'][1][1] as { Ref: string }).Ref;
    expect(resources[integrationId]!.Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [functionIdOf(costApiFunction.name), 'Arn'] });
  });
});

describe('budget alerts', () => {
  const ruleId = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.EventBusName !== undefined)?.[0];

  test('the hms-sys bus is a custom bus, and the rule on it sends both budget alert types to the operator topic', () => {
    expect(resources[busId]!.Properties.Name).toBe('hms-sys');
    expect(ruleId).toBeDefined();
    expect(resources[ruleId!]!.Properties).toMatchObject({
      EventBusName: { Ref: busId },
      State: 'ENABLED',
      EventPattern: { source: ['hms.sys'], 'detail-type': ['BudgetThresholdCrossed', 'BudgetFloorExceedsCap'] },
      Targets: [
        {
          Arn: { Ref: topicId },
          Id: expect.any(String),
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) },
        },
      ],
    });
  });

  test('EventBridge may publish to the topic only for that rule, and use the topic key with two named actions', () => {
    const topicPolicy = Object.values(resources).find((r) => r.Type === 'AWS::SNS::TopicPolicy')!;
    // Other rules (the RotationFailed alert) publish under their own statements.
    const fromEvents = (topicPolicy.Properties.PolicyDocument.Statement as Statement[])
      .filter((s) => JSON.stringify(s.Principal).includes('events.amazonaws.com'))
      .filter((s) => JSON.stringify(s.Condition).includes(`"${ruleId}"`));
    expect(fromEvents).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
      }),
    ]);
    const topicKeyId = resources[topicId]!.Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;
    const keyStatements = (resources[topicKeyId]!.Properties.KeyPolicy.Statement as Statement[]).filter((s) =>
      JSON.stringify(s.Principal).includes('events.amazonaws.com'),
    );
    expect(keyStatements.map((s) => actionsOf(s).sort())).toEqual([['kms:Decrypt', 'kms:GenerateDataKey']]);
  });

  test('the dead-letter queue accepts failed alerts from that rule', () => {
    const queuePolicy = Object.values(resources).find((r) => r.Type === 'AWS::SQS::QueuePolicy')!;
    expect(JSON.stringify(queuePolicy.Properties.PolicyDocument)).toContain(JSON.stringify({ 'Fn::GetAtt': [ruleId, 'Arn'] }));
  });
});

describe('stack wiring', () => {
  test('the scheduler role names the runner without referring to its function, which refers back to the role', () => {
    const runnerId = functionIdOf(burstRunnerFunction.name);
    expect(JSON.stringify(resources[runnerId]!.Properties.Environment)).toContain(schedulerRoleId[0]);
    expect(JSON.stringify(statementsOfRole(schedulerRoleId[0]!))).not.toContain(runnerId);
  });

  test('outputs the new roles, the schedule group and the event bus', () => {
    expect(Object.keys(template.toJSON().Outputs)).toEqual(
      expect.arrayContaining(['CostApiRoleArn', 'MeterRoleArn', 'BurstRunnerRoleArn', 'BurstScheduleGroupName', 'EventBusName']),
    );
  });
});
