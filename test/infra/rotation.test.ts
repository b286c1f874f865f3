import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, test } from 'vitest';
import type { EventPattern, Need } from '#domain/triggers.ts';
import { rotationEventPattern } from '#functions/consumer-restarter/triggers.ts';
import { consumerRestarterFunction, credentialRevokerFunction, rotationFunction, secretSweeperFunction } from '#functions/index.ts';
import { readConfig } from '../../infra/config.ts';
import { DATABASE_PORT } from '../../infra/constructs/function-network.ts';
import { FUNCTION_DECLARATIONS, HmsSysStack } from '../../infra/hms-sys-stack.ts';
import { buildStack, type PolicyStatementJson, synthesizedTemplate, TEST_CONTEXT, type TemplateResource } from './stack-fixture.ts';

const { fixture, template } = synthesizedTemplate();
const { stack } = fixture;
type Resource = TemplateResource;
const resources = template.toJSON().Resources as Record<string, Resource>;

type Statement = PolicyStatementJson;

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const actionsOf = (statement: Statement) => list(statement.Action);
const idOf = (element: unknown) => stack.getLogicalId(element as CfnElement);
const functionIdOf = (name: string) => idOf(stack.controllers.get(name)!.fn.function.node.defaultChild);
const functionArnOf = (name: string) => ({ 'Fn::GetAtt': [functionIdOf(name), 'Arn'] });
function grantsOf(name: string): Statement[] {
  const roleId = idOf(stack.controllers.get(name)!.fn.role.node.defaultChild);
  const policyIds = (resources[roleId]!.Properties.ManagedPolicyArns as { Ref?: string }[]).flatMap((arn) => (arn.Ref ? [arn.Ref] : []));
  return policyIds.flatMap((id) => resources[id]!.Properties.PolicyDocument.Statement as Statement[]);
}
const secretsStatements = (name: string) => grantsOf(name).filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
const needing = (need: Need) => FUNCTION_DECLARATIONS.filter((d) => d.needs.includes(need)).map((d) => d.name);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const secretArns = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:secret:${name}`]],
});
const tagged = (tag: string) => ({ Null: { [`secretsmanager:ResourceTag/${tag}`]: 'false' } });
const topicId = ofType('AWS::SNS::Topic')[0]![0];
const deadLetterQueueId = ofType('AWS::SQS::Queue')[0]![0];
const rotationFunctionArn = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':lambda:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':function:hms-sys-rotation']],
};

/** EventBridge matching for the pattern forms used here: lists of exact values, nested objects. */
function matches(pattern: EventPattern, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (Array.isArray(expected)) return list(actual).some((value) => expected.includes(value));
    return typeof actual === 'object' && actual !== null && matches(expected as EventPattern, actual as Record<string, unknown>);
  });
}

describe('the rotation function', () => {
  test('is deployed with the secrets-rotate, database, audit, audit-outbox and audit-outbox-drain needs (each step is recorded, and it drains)', () => {
    expect(needing('secrets-rotate')).toEqual([rotationFunction.name]);
    expect(rotationFunction.needs).toEqual(['secrets-rotate', 'database', 'audit', 'audit-outbox', 'audit-outbox-drain']);
  });

  test('may call only the four rotation actions, on secrets tagged hms:rotation-strategy, plus GetRandomPassword and reading master secrets', () => {
    expect(secretsStatements('rotation')).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        Resource: secretArns('*'),
        Condition: tagged('hms:rotation-strategy'),
      },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArns('*'), Condition: tagged('hms:rotation-master') },
      { Effect: 'Allow', Action: 'secretsmanager:GetRandomPassword', Resource: '*' },
    ]);
  });

  test('holds nothing beyond its logs, dead letters, network interfaces, tracing and the audit table its steps are recorded in: no state, events or clusters', () => {
    const services = new Set(
      grantsOf('rotation')
        .flatMap(actionsOf)
        .map((action) => action.split(':')[0]),
    );
    expect([...services].sort()).toEqual(['dynamodb', 'ec2', 'kms', 'logs', 'secretsmanager', 'sqs', 'xray']);
    const tableActions = grantsOf('rotation')
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('dynamodb:'));
    expect([...new Set(tableActions)].sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(stack.controllers.get('rotation')!.eksAccess).toBeUndefined();
  });

  test('Secrets Manager in this account, and only it, may invoke it', () => {
    const permissions = ofType('AWS::Lambda::Permission')
      .map(([, r]) => r.Properties)
      .filter((p) => JSON.stringify(p.FunctionName).includes(functionIdOf('rotation')));
    expect(permissions).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: functionArnOf('rotation'),
        Principal: 'secretsmanager.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
      },
    ]);
    const fromSecretsManager = ofType('AWS::Lambda::Permission').filter(([, r]) => r.Properties.Principal === 'secretsmanager.amazonaws.com');
    expect(fromSecretsManager).toHaveLength(1);
  });

  test("reaches PostgreSQL: Lambda's CA bundle is trusted and a second security group allows only PostgreSQL out", () => {
    const fn = resources[functionIdOf('rotation')]!.Properties;
    expect(fn.Environment.Variables.NODE_EXTRA_CA_CERTS).toBe('/var/runtime/ca-cert.pem');
    const databaseGroup = stack.node.findChild('Network').node.findChild('DatabaseClientSecurityGroup');
    const groupId = idOf(databaseGroup.node.defaultChild);
    expect(fn.VpcConfig.SecurityGroupIds).toContainEqual({ 'Fn::GetAtt': [groupId, 'GroupId'] });
    expect(resources[groupId]!.Properties).toMatchObject({
      VpcId: TEST_CONTEXT['hms:vpcId'],
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: DATABASE_PORT, ToPort: DATABASE_PORT, Description: expect.any(String) }],
    });
    expect(resources[groupId]!.Properties.SecurityGroupIngress).toBeUndefined();
  });
});

describe('rotation schedules', () => {
  const schedules = ofType('AWS::SecretsManager::RotationSchedule');
  const [weekly, daily] = TEST_CONTEXT['hms:rotatedSecrets'];

  test('each configured secret gets one schedule from its policy, invoking the rotation function, not rotated at deploy', () => {
    const bySecret = Object.fromEntries(schedules.map(([, r]) => [r.Properties.SecretId, r.Properties]));
    expect(Object.keys(bySecret).sort()).toEqual([weekly!.replace(/=7d$/, ''), daily!].sort());
    expect(bySecret[weekly!.replace(/=7d$/, '')]).toEqual({
      SecretId: weekly!.replace(/=7d$/, ''),
      RotationLambdaARN: functionArnOf('rotation'),
      RotationRules: { ScheduleExpression: 'rate(7 days)' },
      RotateImmediatelyOnUpdate: false,
    });
    expect(bySecret[daily!]!.RotationRules).toEqual({ ScheduleExpression: 'rate(1 day)' });
  });

  test('each schedule waits for the invoke permission, which Secrets Manager checks', () => {
    const [permissionId] = ofType('AWS::Lambda::Permission').find(([, r]) => r.Properties.Principal === 'secretsmanager.amazonaws.com')!;
    for (const [, schedule] of schedules) expect(schedule.DependsOn).toContain(permissionId);
  });

  test('without configured secrets there is no schedule, and the permission and failure alert remain', () => {
    const bare = Template.fromStack(buildStack({ 'hms:rotatedSecrets': [] }).stack);
    bare.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    bare.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'secretsmanager.amazonaws.com' });
    bare.hasResourceProperties('AWS::Events::Rule', { EventPattern: rotationEventPattern('RotationFailed') });
  });

  test('configured secrets without a deployed rotation function fail synth', () => {
    const app = new App({ context: { ...TEST_CONTEXT } });
    const config = readConfig((key) => app.node.tryGetContext(key));
    expect(
      () =>
        new HmsSysStack(app, 'NoRotation', {
          config,
          declarations: FUNCTION_DECLARATIONS.filter((d) => !d.needs.includes('secrets-rotate')),
          functionCode: () => lambda.Code.fromInline('exports.handler = async () => {};'),
        }),
    ).toThrow('no deployed function has the secrets-rotate need');
  });
});

describe('rotation events', () => {
  const rules = ofType('AWS::Events::Rule').map(([id, r]): Record<string, any> => ({ id, ...r.Properties }));
  const failureRules = rules.filter((rule) => JSON.stringify(rule.EventPattern ?? null).includes('RotationFailed'));
  const serviceEvent = {
    source: 'aws.secretsmanager',
    'detail-type': 'AWS Service Event via CloudTrail',
    detail: { eventSource: 'secretsmanager.amazonaws.com', eventName: 'RotationFailed', additionalEventData: { SecretId: 'arn:secret' } },
  };
  const apiCall = { ...serviceEvent, 'detail-type': 'AWS API Call via CloudTrail' };

  test('one rule on the default bus matches RotationFailed in both CloudTrail shapes, and not a success', () => {
    expect(failureRules).toHaveLength(1);
    const [rule] = failureRules;
    expect(rule!.EventBusName).toBeUndefined();
    expect(rule!.EventPattern).toEqual(rotationEventPattern('RotationFailed'));
    expect(matches(rule!.EventPattern, serviceEvent)).toBe(true);
    expect(matches(rule!.EventPattern, apiCall)).toBe(true);
    expect(matches(rule!.EventPattern, { ...serviceEvent, detail: { ...serviceEvent.detail, eventName: 'RotationSucceeded' } })).toBe(false);
    expect(matches(rule!.EventPattern, { ...serviceEvent, source: 'aws.kms' })).toBe(false);
  });

  test('sends failures to the operator topic, with retries and the dead-letter queue, and only that rule may publish for it', () => {
    const [rule] = failureRules;
    expect(rule!.Targets).toEqual([
      expect.objectContaining({
        Arn: { Ref: topicId },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) },
      }),
    ]);
    const topicPolicy = ofType('AWS::SNS::TopicPolicy')[0]![1];
    const forRule = (topicPolicy.Properties.PolicyDocument.Statement as Statement[]).filter((s) =>
      JSON.stringify(s.Condition ?? null).includes(`"${rule!.id}"`),
    );
    expect(forRule).toEqual([
      expect.objectContaining({ Action: 'sns:Publish', Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule!.id, 'Arn'] } } } }),
    ]);
  });

  test('a succeeded rotation (default bus) and a replaced credential (hms-sys bus) invoke the consumer restarter, which is in the restarter group', () => {
    const restarts = rules.filter((rule) => JSON.stringify(rule.Targets).includes(functionIdOf(consumerRestarterFunction.name)));
    const busId = ofType('AWS::Events::EventBus')[0]![0];
    expect(restarts.map((rule) => [rule.EventPattern, rule.EventBusName])).toEqual([
      [rotationEventPattern('RotationSucceeded'), undefined],
      [{ source: ['hms.sys'], 'detail-type': ['DbCredentialReplaced'] }, { Ref: busId }],
    ]);
    expect(stack.controllers.get(consumerRestarterFunction.name)!.eksAccess!.group).toBe('hms-sys:restarter');
    const environment = resources[functionIdOf(consumerRestarterFunction.name)]!.Properties.Environment.Variables;
    expect(environment.HMS_MAX_CONCURRENT_RESTARTS).toBe(String(fixture.config.maxConcurrentRestarts));
  });
});

describe('the sweeper and revoker schedules', () => {
  test.each([
    [secretSweeperFunction.name, 'rate(15 minutes)'],
    [credentialRevokerFunction.name, 'rate(5 minutes)'],
  ])('%s runs on %s, with the dead-letter queue', (name, expression) => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: expression,
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: functionArnOf(name), DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] } } })],
    });
  });
});

describe('secrets needs', () => {
  const taggedRead = (tag: string, actions: string[]) => ({
    Effect: 'Allow',
    Action: actions.length === 1 ? actions[0] : actions,
    Resource: secretArns('*'),
    Condition: tagged(tag),
  });

  test.each(needing('secrets-describe'))('%s may only describe tagged secrets', (name) => {
    expect(secretsStatements(name)).toEqual([taggedRead('hms:rotation-strategy', ['secretsmanager:DescribeSecret'])]);
  });

  /** Whether some statement of the function allows `action` on `resource` under exactly `condition`. */
  const grants = (name: string, action: string, resource: unknown, condition?: unknown) =>
    secretsStatements(name).some(
      (statement) =>
        actionsOf(statement).includes(action) &&
        JSON.stringify(statement.Resource) === JSON.stringify(resource) &&
        JSON.stringify(statement.Condition) === JSON.stringify(condition),
    );

  test.each(needing('secrets-rotate-start'))('%s lists and rotates tagged secrets, naming only the deployed rotation function', (name) => {
    for (const action of ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds']) {
      expect(grants(name, action, secretArns('*'), tagged('hms:rotation-strategy')), action).toBe(true);
    }
    expect(grants(name, 'secretsmanager:UpdateSecretVersionStage', secretArns('*'), tagged('hms:rotation-strategy'))).toBe(name === 'secret-sweeper');
    const rotationCondition = { ...tagged('hms:rotation-strategy'), ArnEqualsIfExists: { 'secretsmanager:RotationLambdaARN': rotationFunctionArn } };
    expect(grants(name, 'secretsmanager:RotateSecret', secretArns('*'), rotationCondition)).toBe(true);
    expect(grants(name, 'secretsmanager:ListSecrets', '*')).toBe(true);
  });

  test('only the sweeper un-wedges a stuck rotation', () => {
    expect(needing('secrets-unwedge')).toEqual(['secret-sweeper']);
    expect(grants('secret-sweeper', 'secretsmanager:UpdateSecretVersionStage', secretArns('*'), tagged('hms:rotation-strategy'))).toBe(true);
  });

  /** The Secrets Manager actions a function may take, each with where and under what condition. */
  const grantsList = (name: string) =>
    secretsStatements(name).flatMap((s) => actionsOf(s).map((action) => `${action} ${JSON.stringify(s.Resource)} ${JSON.stringify(s.Condition ?? null)}`));
  const issued = JSON.stringify(secretArns('hms-sys/db-credentials/*'));
  const masters = `${JSON.stringify(secretArns('*'))} ${JSON.stringify(tagged('hms:template-role'))}`;

  test('the secrets API issues credentials: it reads only master secrets, and creates and deletes only issued credentials', () => {
    expect(needing('credentials-issue')).toEqual(['secrets-api']);
    expect(grantsList('secrets-api')).toEqual(
      expect.arrayContaining([
        'secretsmanager:ListSecrets "*" null',
        'secretsmanager:GetRandomPassword "*" null',
        `secretsmanager:DescribeSecret ${masters}`,
        `secretsmanager:GetSecretValue ${masters}`,
        `secretsmanager:CreateSecret ${issued} null`,
        `secretsmanager:TagResource ${issued} null`,
        `secretsmanager:DeleteSecret ${issued} null`,
      ]),
    );
  });

  test('the revoker lists, reads master secrets and deletes issued credentials, and nothing more', () => {
    expect(needing('credentials-revoke').sort()).toEqual(['credential-revoker', 'secrets-api']);
    expect(grantsList('credential-revoker').sort()).toEqual([
      `secretsmanager:DeleteSecret ${issued} null`,
      `secretsmanager:GetSecretValue ${masters}`,
      'secretsmanager:ListSecrets "*" null',
    ]);
  });

  test('no function but the rotation function reads a value of a secret under rotation', () => {
    for (const declaration of FUNCTION_DECLARATIONS.filter((d) => !d.needs.includes('secrets-rotate'))) {
      expect(
        grantsList(declaration.name).filter((g) => g.startsWith('secretsmanager:GetSecretValue') && g.includes('hms:rotation-strategy')),
        declaration.name,
      ).toEqual([]);
    }
  });

  test('the sweeper may not read secret values or touch issued credentials; the revoker may not rotate', () => {
    const actions = (name: string) => new Set(secretsStatements(name).flatMap(actionsOf));
    for (const action of ['secretsmanager:GetSecretValue', 'secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret'])
      expect(actions('secret-sweeper').has(action)).toBe(false);
    for (const action of [
      'secretsmanager:RotateSecret',
      'secretsmanager:UpdateSecretVersionStage',
      'secretsmanager:CreateSecret',
      'secretsmanager:TagResource',
      'secretsmanager:GetRandomPassword',
    ]) {
      expect(actions('credential-revoker').has(action), action).toBe(false);
    }
  });

  test.each(needing('secrets-rotate-start'))('%s may invoke the rotation function, and no other, as RotateSecret requires of its caller', (name) => {
    const invokes = grantsOf(name).filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
    expect(invokes).toEqual([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: rotationFunctionArn }]);
  });

  test("the rotation function ARN they may set, and the sweeper gives unscheduled secrets, is the deployed function's", () => {
    expect(resources[functionIdOf('rotation')]!.Properties.FunctionName).toBe('hms-sys-rotation');
    for (const name of needing('secrets-rotate-start')) {
      expect(resources[functionIdOf(name)]!.Properties.Environment.Variables.ROTATION_FUNCTION_ARN).toEqual(rotationFunctionArn);
    }
  });

  test('without a rotation function, RotateSecret may start rotations but set no function', () => {
    const app = new App({ context: { ...TEST_CONTEXT, 'hms:rotatedSecrets': [] } });
    const config = readConfig((key) => app.node.tryGetContext(key));
    const bare = new HmsSysStack(app, 'NoRotation', {
      config,
      declarations: FUNCTION_DECLARATIONS.filter((d) => !d.needs.includes('secrets-rotate')),
      functionCode: () => lambda.Code.fromInline('exports.handler = async () => {};'),
    });
    const statements = Object.values(Template.fromStack(bare).findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
      .filter((statement) => actionsOf(statement).includes('secretsmanager:RotateSecret'));
    expect(statements.length).toBe(needing('secrets-rotate-start').length);
    for (const statement of statements) {
      expect(statement.Condition).toEqual({
        Null: { 'secretsmanager:ResourceTag/hms:rotation-strategy': 'false', 'secretsmanager:RotationLambdaARN': 'true' },
      });
    }
  });

  test('every Secrets Manager grant on secret:* carries a tag condition, and none grants a wildcard action', () => {
    for (const name of [
      ...needing('secrets-describe'),
      ...needing('secrets-rotate-start'),
      ...needing('credentials-issue'),
      ...needing('credentials-revoke'),
      ...needing('secrets-rotate'),
    ]) {
      for (const statement of secretsStatements(name)) {
        expect(actionsOf(statement).some((action) => action.includes('*'))).toBe(false);
        if (JSON.stringify(statement.Resource) === JSON.stringify(secretArns('*'))) expect(statement.Condition?.Null).toBeDefined();
      }
    }
  });

  test('functions without a secrets need get no Secrets Manager action, and only database functions trust the CA bundle', () => {
    for (const declaration of FUNCTION_DECLARATIONS) {
      const secrets = declaration.needs.some((need) => need.startsWith('secrets-') || need.startsWith('credentials-'));
      expect(secretsStatements(declaration.name).length > 0, declaration.name).toBe(secrets);
      const environment = resources[functionIdOf(declaration.name)]!.Properties.Environment.Variables;
      expect('NODE_EXTRA_CA_CERTS' in environment, declaration.name).toBe(declaration.needs.includes('database'));
    }
  });
});

test('the stack outputs the rotation function ARN and the database client security group', () => {
  expect(Object.keys(template.toJSON().Outputs)).toEqual(expect.arrayContaining(['RotationFunctionArn', 'DatabaseClientSecurityGroupId']));
});
