import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { auditTableInput } from '#adapters/aws/table-design.ts';
import type { EventTrigger, ScheduleTrigger } from '#domain/triggers.ts';
import { reconcilerFunction, scalerFunction } from '#functions/index.ts';
import { PLACEHOLDER_NAMESPACE } from '#ports/cluster.ts';
import type { FunctionNetwork } from '../../infra/constructs/function-network.ts';
import { FUNCTION_DECLARATIONS } from '../../infra/hms-sys-stack.ts';
import { RBAC_GROUPS, rbacObjects } from '../../infra/rbac.ts';
import { synthesizedTemplate, TEST_CONTEXT } from './stack-fixture.ts';

const { fixture, template } = synthesizedTemplate();
const { stack } = fixture;
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;

function logicalIdOf(element: unknown): string {
  return stack.getLogicalId(element as CfnElement);
}
function functionLogicalId(name: string): string {
  const controller = stack.controllers.get(name);
  if (controller === undefined) throw new Error(`no controller for ${name}`);
  return logicalIdOf(controller.fn.function.node.defaultChild);
}
function roleLogicalId(name: string): string {
  return logicalIdOf(stack.controllers.get(name)!.fn.role.node.defaultChild);
}
const declarationOf = (name: string) => FUNCTION_DECLARATIONS.find((d) => d.name === name)!;
const deadLetterQueueId = Object.keys(template.findResources('AWS::SQS::Queue'))[0]!;
const functionIds = Object.keys(template.findResources('AWS::Lambda::Function'));

describe('EventBridge triggers', () => {
  const [alarmTrigger] = scalerFunction.triggers.filter((t): t is EventTrigger => t.kind === 'event');
  const [reconcileTrigger] = reconcilerFunction.triggers.filter((t): t is ScheduleTrigger => t.kind === 'schedule');

  test("an event rule with the scaler's declared pattern invokes the scaler, with retries and a dead-letter queue", () => {
    expect(alarmTrigger).toBeDefined();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.exact(alarmTrigger!.pattern),
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionLogicalId('scaler'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: Match.anyValue(), MaximumEventAgeInSeconds: Match.anyValue() },
        }),
      ],
    });
  });

  test('a rate(1 minute) schedule invokes the reconciler, with a dead-letter queue', () => {
    expect(reconcileTrigger?.rateMinutes).toBe(1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionLogicalId('reconciler'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] } },
        }),
      ],
    });
  });

  test('each declared pattern or schedule has one rule, on the hms-sys bus for hms.sys events and the default bus otherwise; the alerts go to the topic', () => {
    const declared = FUNCTION_DECLARATIONS.flatMap((d) => d.triggers).filter((t) => t.kind !== 'http');
    const ownEvents = declared.filter((t) => t.kind === 'event' && JSON.stringify(t.pattern.source) === '["hms.sys"]');
    expect(ownEvents.length).toBeGreaterThan(0);
    const rules = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties);
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0]!;
    const toFunctions = rules.filter((rule) => rule.Targets[0].Arn['Fn::GetAtt'] !== undefined);
    const toTopic = rules.filter((rule) => !toFunctions.includes(rule));
    expect(toFunctions.filter((rule) => rule.EventBusName === undefined)).toHaveLength(declared.length - ownEvents.length);
    expect(toFunctions.filter((rule) => rule.EventBusName !== undefined).map((rule) => rule.EventPattern)).toEqual(
      ownEvents.map((t) => t.kind === 'event' && t.pattern),
    );
    expect(
      toTopic.map((rule) => [rule.EventBusName === undefined, rule.Targets[0].Arn, rule.EventPattern.detail?.eventName ?? rule.EventPattern['detail-type']]),
    ).toEqual([
      [false, { Ref: topicId }, ['BudgetThresholdCrossed', 'BudgetFloorExceedsCap']],
      // With the mesh function: the mesh root CA's expiry (its check publishes to the hms-sys bus).
      ...(FUNCTION_DECLARATIONS.some((d) => d.needs.includes('cluster-mesh')) ? [[false, { Ref: topicId }, ['Mesh Root CA Expiring']]] : []),
      [true, { Ref: topicId }, ['RotationFailed']],
    ]);
  });
});

describe('functions', () => {
  test('one function per declaration', () => {
    expect(functionIds).toHaveLength(FUNCTION_DECLARATIONS.length);
  });

  test.each(FUNCTION_DECLARATIONS.map((d) => d.name))('%s runs Node.js 24 on ARM64, traced, in the VPC, with a DLQ and reserved concurrency', (name) => {
    const fn = resources[functionLogicalId(name)]!.Properties;
    expect(fn).toMatchObject({
      FunctionName: `hms-sys-${name}`,
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      ReservedConcurrentExecutions: expect.any(Number),
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] } },
      VpcConfig: { SubnetIds: TEST_CONTEXT['hms:subnetIds'].split(','), SecurityGroupIds: expect.any(Array) },
      LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
    });
    // The HTTPS group, and the PostgreSQL group only for functions that reach a database.
    const groups = (fn.VpcConfig.SecurityGroupIds as { 'Fn::GetAtt': [string, string] }[]).map((group) => group['Fn::GetAtt'][0]);
    const network = stack.node.findChild('Network') as FunctionNetwork;
    const expected = [network.securityGroup, ...(declarationOf(name).needs.includes('database') ? [network.databaseSecurityGroup!] : [])];
    expect(groups).toEqual(expected.map((group) => logicalIdOf(group.node.defaultChild)));
    const logGroup = resources[fn.LoggingConfig.LogGroup.Ref]!.Properties;
    expect(logGroup).toMatchObject({ KmsKeyId: expect.anything(), RetentionInDays: expect.any(Number) });
  });

  test.each(FUNCTION_DECLARATIONS)('$name gets the environment the handlers read', (declaration) => {
    const variables = resources[functionLogicalId(declaration.name)]!.Properties.Environment.Variables;
    expect(variables).toMatchObject({
      STATE_TABLE: { Ref: logicalIdOf(stack.node.findChild('Tables').node.findChild('State').node.defaultChild) },
      AUDIT_TABLE: { Ref: logicalIdOf(stack.node.findChild('Tables').node.findChild('Audit').node.defaultChild) },
      HMS_CLUSTERS: TEST_CONTEXT['hms:clusterName'],
      HMS_ACTOR: `role/hms-sys-${declaration.name}`,
      POWERTOOLS_SERVICE_NAME: 'hms-sys',
      POWERTOOLS_METRICS_NAMESPACE: 'HmsSys',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  test("the functions' security group allows no inbound traffic and only HTTPS out", () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      VpcId: TEST_CONTEXT['hms:vpcId'],
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
      SecurityGroupIngress: Match.absent(),
    });
  });
});

describe('tables', () => {
  test.each(['State', 'Audit'])('the %s table is on-demand, KMS-encrypted, point-in-time recoverable and deletion-protected', (id) => {
    const table = resources[logicalIdOf(stack.node.findChild('Tables').node.findChild(id).node.defaultChild)]!.Properties;
    expect(table).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() },
      DeletionProtectionEnabled: true,
    });
  });

  test('the state table expires items on expiresAt; the audit table has the indexes the sandbox creates', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    const sandbox = auditTableInput('audit');
    const [audit, ...others] = Object.values(
      template.findResources('AWS::DynamoDB::Table', {
        Properties: {
          KeySchema: [
            { AttributeName: 'stream', KeyType: 'HASH' },
            { AttributeName: 'seq', KeyType: 'RANGE' },
          ],
        },
      }),
    ) as Array<{ Properties: { GlobalSecondaryIndexes: unknown[]; AttributeDefinitions: unknown[]; KeySchema: unknown[] } }>;
    expect(others).toEqual([]);
    expect(audit!.Properties.KeySchema).toEqual(sandbox.KeySchema);
    expect(audit!.Properties.GlobalSecondaryIndexes).toEqual(sandbox.GlobalSecondaryIndexes);
    expect(new Set(audit!.Properties.AttributeDefinitions)).toEqual(new Set(sandbox.AttributeDefinitions));
    expect(sandbox.GlobalSecondaryIndexes!.map((index) => index.IndexName)).toEqual(['byTimeShard', 'byStreamTime']);
  });

  test('both tables are in an AWS Backup plan', () => {
    const tableIds = Object.keys(template.findResources('AWS::DynamoDB::Table'));
    const selection = JSON.stringify(template.findResources('AWS::Backup::BackupSelection'));
    for (const id of tableIds) expect(selection).toContain(`"${id}"`);
  });
});

describe('EKS access', () => {
  const entries = Object.values(template.findResources('AWS::EKS::AccessEntry')).map((r) => r.Properties);
  const namespaces = TEST_CONTEXT['hms:namespaces'].split(',');
  /** "namespace group" for every Group subject of a RoleBinding in the manifest `hms-sys rbac` prints. */
  const bindings = rbacObjects(namespaces)
    .filter((object) => object.kind === 'RoleBinding')
    .flatMap((object) =>
      (object.subjects as { kind: string; name: string }[])
        .filter((subject) => subject.kind === 'Group')
        .map((subject) => `${(object.metadata as { namespace: string }).namespace} ${subject.name}`),
    );

  test.each([
    ['scaler', 'hms-sys:scaler'],
    ['reconciler', 'hms-sys:scaler'],
    ['api', 'hms-sys:reader'],
    ['cost-api', 'hms-sys:burster'],
    ['burst-runner', 'hms-sys:burster'],
    ['meter', 'hms-sys:reader'],
    ['consumer-restarter', 'hms-sys:restarter'],
    ...FUNCTION_DECLARATIONS.filter((d) => d.needs.includes('cluster-mesh')).map((d) => [d.name, 'hms-sys:mesh']),
  ])("%s's role is mapped to the Kubernetes group %s, with no EKS access policy", (name, group) => {
    const roleArn = { 'Fn::GetAtt': [roleLogicalId(name), 'Arn'] };
    const entry = entries.filter((e) => JSON.stringify(e.PrincipalArn) === JSON.stringify(roleArn));
    expect(entry).toEqual([
      {
        ClusterName: TEST_CONTEXT['hms:clusterName'],
        PrincipalArn: roleArn,
        Type: 'STANDARD',
        KubernetesGroups: [group],
      },
    ]);
    expect(stack.controllers.get(name)!.eksAccess!.namespaces).toEqual(namespaces);
  });

  test('only the controllers that need the cluster get an access entry, and none carries an access policy', () => {
    const clusterControllers = FUNCTION_DECLARATIONS.filter((d) => d.needs.some((need) => need.startsWith('cluster-')));
    const mesh = FUNCTION_DECLARATIONS.filter((d) => d.needs.includes('cluster-mesh')).map((d) => d.name);
    expect(clusterControllers.map((d) => d.name).sort()).toEqual(
      ['api', 'burst-runner', 'consumer-restarter', 'cost-api', 'meter', 'reconciler', 'scaler', ...mesh].sort(),
    );
    expect(entries).toHaveLength(clusterControllers.length);
    for (const entry of entries) expect(entry.AccessPolicies).toBeUndefined();
    expect(JSON.stringify(entries)).not.toContain('cluster-access-policy');
  });

  test("the access entries name the groups their functions' needs call for, and the RBAC manifest binds every group in every configured namespace", () => {
    const named = [...new Set(entries.flatMap((entry) => entry.KubernetesGroups as string[]))].sort();
    // The restarter group is named once a function declares cluster-restart.
    const restarts = FUNCTION_DECLARATIONS.some((d) => d.needs.includes('cluster-restart'));
    const meshes = FUNCTION_DECLARATIONS.some((d) => d.needs.includes('cluster-mesh'));
    const expected = [
      RBAC_GROUPS.read.group,
      RBAC_GROUPS.write.group,
      RBAC_GROUPS.capacity.group,
      ...(restarts ? [RBAC_GROUPS.restart.group] : []),
      ...(meshes ? [RBAC_GROUPS.mesh.group] : []),
    ];
    expect(named).toEqual(expected.sort());
    const groups = Object.values(RBAC_GROUPS).map(({ group }) => group);
    expect(groups).toHaveLength(5);
    // The placeholders' namespace binds the two groups that touch placeholder Deployments.
    const placeholderBindings = Object.values(RBAC_GROUPS)
      .filter((g) => g.placeholderRules)
      .map(({ group }) => `${PLACEHOLDER_NAMESPACE} ${group}`);
    expect(placeholderBindings).toHaveLength(2);
    // Istio's namespace binds nothing: the root CA is read from istio-ca-root-cert in the workload namespaces, never from cacerts.
    expect(bindings.sort()).toEqual([...namespaces.flatMap((namespace) => groups.map((group) => `${namespace} ${group}`)), ...placeholderBindings].sort());
    expect(bindings.filter((b) => b.startsWith('istio-system '))).toEqual([]);
  });
});

describe('dead letters', () => {
  test('the queue is KMS-encrypted and refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('an alarm notifies operators as soon as a message is visible', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: [{ Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] }],
    });
  });
});

test('the stack outputs the API URL, table names, queue URL and each controller role', () => {
  const outputs = Object.keys(template.toJSON().Outputs);
  expect(outputs).toEqual(
    expect.arrayContaining(['ApiUrl', 'StateTableName', 'AuditTableName', 'DeadLetterQueueUrl', 'ApiRoleArn', 'ScalerRoleArn', 'ReconcilerRoleArn']),
  );
});
