import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import type { EventTrigger, RouteTrigger, ScheduleTrigger } from '#domain/triggers.ts';
import { MESH_BREAKER_ALARM_WILDCARD, meshFunction } from '#functions/mesh/triggers.ts';
import { meshOpsFunction } from '#functions/mesh-ops/triggers.ts';
import { ROOT_CA_EXPIRING } from '#use-cases/mesh/root-ca-check.ts';
import { MESH_ALERT_TYPES } from '../../infra/constructs/hms-event-bus.ts';
import { FUNCTION_DECLARATIONS } from '../../infra/hms-sys-stack.ts';
import { RBAC_GROUPS } from '../../infra/rbac.ts';
import { buildStack, type PolicyStatementJson, TEST_CONTEXT, type TemplateResource } from './stack-fixture.ts';

// The stack with the mesh and mesh-ops functions.
const meshNames = [meshFunction.name, meshOpsFunction.name];
const declarations = [...FUNCTION_DECLARATIONS.filter((d) => !meshNames.includes(d.name)), meshFunction, meshOpsFunction];
const fixture = buildStack({}, undefined, declarations);
const { stack } = fixture;
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<string, TemplateResource>;
const idOf = (element: unknown) => stack.getLogicalId(element as CfnElement);
const mesh = stack.controllers.get(meshFunction.name)!;
const functionId = idOf(mesh.fn.function.node.defaultChild);
const ops = stack.controllers.get(meshOpsFunction.name)!;
const opsFunctionId = idOf(ops.fn.function.node.defaultChild);
const arnOf = (service: string, rest: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:`, { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${rest}`]],
});
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
function statementsOfRole(roleId: string): PolicyStatementJson[] {
  const policyIds = (resources[roleId]!.Properties.ManagedPolicyArns as { Ref?: string }[]).flatMap((arn) => (arn.Ref ? [arn.Ref] : []));
  return policyIds.flatMap((id) => resources[id]!.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
}
const meshGrants = statementsOfRole(idOf(mesh.fn.role.node.defaultChild));
const opsGrants = statementsOfRole(idOf(ops.fn.role.node.defaultChild));
const withAction = (statements: PolicyStatementJson[], action: string) => statements.filter((s) => list(s.Action).includes(action));
const meshScheduleArns = arnOf('scheduler', 'schedule/hms-sys-mesh/*');
const meshGroupId = Object.keys(template.findResources('AWS::Scheduler::ScheduleGroup', { Properties: { Name: 'hms-sys-mesh' } }))[0]!;
const meshSchedulerRoleIds = Object.entries(resources)
  .filter(([, r]) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('schedule-group/hms-sys-mesh'))
  .map(([id]) => id);
const opsFunctionArn = arnOf('lambda', 'function:hms-sys-mesh-ops');

describe('the mesh and mesh-ops functions', () => {
  test('are deployed as hms-sys-mesh and hms-sys-mesh-ops with their declared memory and timeout', () => {
    expect(resources[functionId]!.Properties).toMatchObject({ FunctionName: 'hms-sys-mesh', MemorySize: 512, Timeout: 60, Handler: 'index.handler' });
    expect(resources[opsFunctionId]!.Properties).toMatchObject({ FunctionName: 'hms-sys-mesh-ops', MemorySize: 512, Timeout: 60 });
  });

  test('serve their routes on the HTTP API, each behind its scope (hms/mesh.read or hms/mesh.write)', () => {
    const routes = [...meshFunction.triggers, ...meshOpsFunction.triggers].filter((t): t is RouteTrigger => t.kind === 'http');
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      const [found] = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: `${route.method} ${route.path}` } }));
      expect(found, `${route.method} ${route.path}`).toBeDefined();
      expect(found!.Properties.AuthorizationType).toBe('JWT');
      const scopes = found!.Properties.AuthorizationScopes as string[];
      expect(scopes).toContain(route.scope);
      expect(scopes.filter((s) => s.startsWith('hms/mesh.'))).toEqual(route.method === 'GET' ? expect.arrayContaining([route.scope]) : [route.scope]);
    }
    const writes = routes.filter((r) => r.method !== 'GET').map((r) => r.scope);
    expect(new Set(writes)).toEqual(new Set(['hms/mesh.write']));
  });

  test('the pause routes are mesh-ops’s; the apply and read routes the mesh function’s', () => {
    const served = (id: string) => template.findResources('AWS::ApiGatewayV2::Integration', { Properties: { IntegrationUri: { 'Fn::GetAtt': [id, 'Arn'] } } });
    const routeKeys = (id: string) =>
      Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
        .filter((r) => Object.keys(served(id)).some((integration) => JSON.stringify(r.Properties.Target).includes(integration)))
        .map((r) => r.Properties.RouteKey as string)
        .sort();
    expect(routeKeys(opsFunctionId)).toEqual(['DELETE /policies/pause/{service}', 'GET /policies/pause', 'POST /policies/pause']);
    expect(routeKeys(functionId)).toEqual(expect.arrayContaining(['POST /manifests', 'POST /policies', 'GET /policies', 'GET /mesh/status']));
    expect(routeKeys(functionId).filter((key) => key.includes('/policies/pause'))).toEqual([]);
  });

  test('each reads the environment shared/adapters/aws/mesh-config.ts names for it, and the mesh function no schedule or bus', () => {
    const env = resources[functionId]!.Properties.Environment.Variables as Record<string, unknown>;
    expect(env).toMatchObject({
      HMS_MESH_NAMESPACES: TEST_CONTEXT['hms:namespaces'],
      HMS_MESH_CLUSTER: TEST_CONTEXT['hms:clusterName'],
      HMS_MESH_MODE: 'sidecar',
      STATE_TABLE: expect.anything(),
      HMS_CLUSTERS: TEST_CONTEXT['hms:clusterName'],
    });
    for (const name of ['MESH_SCHEDULE_GROUP', 'MESH_FUNCTION_ARN', 'SCHEDULER_ROLE_ARN', 'EVENT_BUS_NAME', 'BURST_RUNNER_ARN'])
      expect(Object.keys(env)).not.toContain(name);
    const opsEnv = resources[opsFunctionId]!.Properties.Environment.Variables as Record<string, unknown>;
    expect(opsEnv).toMatchObject({
      HMS_MESH_NAMESPACES: TEST_CONTEXT['hms:namespaces'],
      HMS_MESH_CLUSTER: TEST_CONTEXT['hms:clusterName'],
      HMS_MESH_MODE: 'sidecar',
      MESH_SCHEDULE_GROUP: 'hms-sys-mesh',
      MESH_FUNCTION_ARN: opsFunctionArn,
      SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [meshSchedulerRoleIds[0], 'Arn'] },
      SCHEDULER_DLQ_ARN: expect.anything(),
      SCHEDULER_KMS_KEY_ARN: expect.anything(),
      EVENT_BUS_NAME: expect.anything(),
      STATE_TABLE: expect.anything(),
      HMS_CLUSTERS: TEST_CONTEXT['hms:clusterName'],
    });
    expect(Object.keys(opsEnv)).not.toContain('BURST_RUNNER_ARN');
  });

  test('hms:meshMode reaches the function as HMS_MESH_MODE', () => {
    const ambient = buildStack({ 'hms:meshMode': 'ambient' }, undefined, declarations).stack;
    const fn = ambient.controllers.get(meshFunction.name)!.fn.function.node.defaultChild;
    const env = Template.fromStack(ambient).toJSON().Resources[ambient.getLogicalId(fn as CfnElement)].Properties.Environment.Variables;
    expect(env.HMS_MESH_MODE).toBe('ambient');
  });

  test('mesh-ops runs MeshTick every minute and the root CA check every 6 hours, and gets the breaker alarms, with a dead-letter queue', () => {
    const schedules = meshOpsFunction.triggers.filter((t): t is ScheduleTrigger => t.kind === 'schedule');
    expect(schedules.map((s) => [s.id, s.rateMinutes])).toEqual([
      ['MeshTick', 1],
      ['MeshRootCaCheck', 360],
    ]);
    for (const expression of ['rate(1 minute)', 'rate(6 hours)']) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: expression,
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [opsFunctionId, 'Arn'] }, DeadLetterConfig: Match.anyValue() })],
      });
    }
    const [breaker] = meshOpsFunction.triggers.filter((t): t is EventTrigger => t.kind === 'event');
    expect(JSON.stringify(breaker?.pattern)).toContain(MESH_BREAKER_ALARM_WILDCARD);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.exact(breaker!.pattern),
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [opsFunctionId, 'Arn'] }, DeadLetterConfig: Match.anyValue() })],
    });
  });

  test('the mesh function runs MeshPendingApplies every minute, with a dead-letter queue, and has no other schedule or event', () => {
    expect(meshFunction.triggers.filter((t) => t.kind !== 'http').map((t) => [t.kind, t.id])).toEqual([['schedule', 'MeshPendingApplies']]);
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) => JSON.stringify(r.Properties.Targets).includes(functionId));
    expect(rules.map((r) => r.Properties)).toEqual([
      expect.objectContaining({
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [functionId, 'Arn'] }, DeadLetterConfig: expect.anything() })],
      }),
    ]);
  });

  test('each role is mapped to hms-sys:mesh on the cluster, with no EKS access policy', () => {
    const entries = Object.values(template.findResources('AWS::EKS::AccessEntry')).map((r) => r.Properties);
    for (const controller of [mesh, ops]) {
      const own = entries.filter((e) => JSON.stringify(e.PrincipalArn).includes(idOf(controller.fn.role.node.defaultChild)));
      expect(own).toEqual([
        {
          ClusterName: TEST_CONTEXT['hms:clusterName'],
          PrincipalArn: { 'Fn::GetAtt': [idOf(controller.fn.role.node.defaultChild), 'Arn'] },
          Type: 'STANDARD',
          KubernetesGroups: [RBAC_GROUPS.mesh.group],
        },
      ]);
    }
  });
});

describe('mesh one-shot schedules', () => {
  test('have their own group, hms-sys-mesh, and a scheduler role trusted only for it', () => {
    expect(resources[meshGroupId]!.Properties).toEqual({ Name: 'hms-sys-mesh' });
    expect(meshSchedulerRoleIds).toHaveLength(1);
    expect(resources[meshSchedulerRoleIds[0]!]!.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnEquals: { 'aws:SourceArn': arnOf('scheduler', 'schedule-group/hms-sys-mesh') },
    });
  });

  test('the scheduler role invokes the mesh-ops function alone', () => {
    const statements = statementsOfRole(meshSchedulerRoleIds[0]!);
    expect(withAction(statements, 'lambda:InvokeFunction')).toEqual([expect.objectContaining({ Resource: opsFunctionArn })]);
    expect(statements.flatMap((s) => list(s.Action)).sort()).toEqual(
      ['kms:Decrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'lambda:InvokeFunction', 'sqs:SendMessage'].sort(),
    );
  });

  test('mesh-ops manages schedules in its group only and passes only its scheduler role, only to Scheduler', () => {
    const scheduler = opsGrants.filter((s) => list(s.Action).some((a) => a.startsWith('scheduler:')));
    expect(scheduler).toEqual([expect.objectContaining({ Resource: meshScheduleArns })]);
    expect(list(scheduler[0]!.Action).sort()).toEqual(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule']);
    expect(withAction(opsGrants, 'iam:PassRole')).toEqual([
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: { 'Fn::GetAtt': [meshSchedulerRoleIds[0], 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]);
  });

  test('no other function, the mesh function included, may touch the mesh group', () => {
    for (const [name, controller] of stack.controllers) {
      if (name === meshOpsFunction.name) continue;
      const grants = statementsOfRole(idOf(controller.fn.role.node.defaultChild));
      expect(JSON.stringify(grants), name).not.toContain('hms-sys-mesh/');
    }
  });
});

describe("the mesh root CA's expiry reaches operators", () => {
  test('a rule on the hms-sys bus sends Mesh Root CA Expiring events to the operator topic', () => {
    expect(MESH_ALERT_TYPES).toEqual([ROOT_CA_EXPIRING]);
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0]!;
    const busId = Object.keys(template.findResources('AWS::Events::EventBus'))[0]!;
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: busId },
      EventPattern: { source: ['hms.sys'], 'detail-type': [ROOT_CA_EXPIRING] },
      Targets: [Match.objectLike({ Arn: { Ref: topicId }, DeadLetterConfig: Match.anyValue() })],
    });
  });

  test('mesh-ops may publish to that bus with the hms.sys source only; the mesh function may not publish', () => {
    const events = opsGrants.filter((s) => list(s.Action).some((a) => a.startsWith('events:')));
    expect(events).toEqual([expect.objectContaining({ Action: 'events:PutEvents', Condition: { StringEquals: { 'events:source': 'hms.sys' } } })]);
    expect(JSON.stringify(meshGrants)).not.toMatch(/"(events|scheduler|iam):/);
  });

  test('without the mesh functions there is no mesh rule, group or access entry', () => {
    const without = Template.fromStack(
      buildStack(
        {},
        undefined,
        declarations.filter((d) => !meshNames.includes(d.name)),
      ).stack,
    );
    expect(JSON.stringify(without.toJSON())).not.toContain(ROOT_CA_EXPIRING);
    expect(without.findResources('AWS::Scheduler::ScheduleGroup', { Properties: { Name: 'hms-sys-mesh' } })).toEqual({});
    expect(JSON.stringify(without.findResources('AWS::EKS::AccessEntry'))).not.toContain('hms-sys:mesh');
  });
});
