import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { ALL_SCOPES, type RouteTrigger } from '#domain/triggers.ts';
import { httpRoutes } from '#functions/http-routes.ts';
import { FUNCTION_DECLARATIONS } from '../../infra/hms-sys-stack.ts';
import { synthesizedTemplate, TEST_CONTEXT } from './stack-fixture.ts';

const { fixture, template } = synthesizedTemplate();
const declaredRoutes = FUNCTION_DECLARATIONS.flatMap((declaration) =>
  declaration.triggers.filter((trigger): trigger is RouteTrigger => trigger.kind === 'http'),
);
const routeKey = (route: RouteTrigger) => `${route.method} ${route.path}`;

describe('HTTP API', () => {
  test('the declarations include routes, so the route tests below check something', () => {
    expect(declaredRoutes.length).toBeGreaterThan(0);
  });

  test('has exactly one route per declared route', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    const keys = routes.map((route) => (route.Properties as { RouteKey: string }).RouteKey);
    expect(keys.sort()).toEqual(declaredRoutes.map(routeKey).sort());
  });

  test.each(declaredRoutes)('$method $path requires a JWT carrying $scope (a read: any hms-sys scope, so its function records a denial)', (route) => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey(route),
      AuthorizationType: 'JWT',
      AuthorizationScopes: route.method === 'GET' ? [...ALL_SCOPES] : [route.scope],
      AuthorizerId: Match.anyValue(),
    });
  });

  test('every route is served by the integration of the function that declares it', () => {
    const integrationOf = (functionName: string) => {
      const fn = fixture.stack.controllers.get(functionName)?.fn.function;
      expect(fn).toBeDefined();
      const functionId = fixture.stack.getLogicalId(fn!.node.defaultChild as CfnElement);
      const ids = Object.keys(
        template.findResources('AWS::ApiGatewayV2::Integration', {
          Properties: { IntegrationType: 'AWS_PROXY', IntegrationUri: { 'Fn::GetAtt': [functionId, 'Arn'] } },
        }),
      );
      expect(ids).toHaveLength(1);
      return { 'Fn::Join': ['', ['integrations/', { Ref: ids[0] }]] };
    };
    const targetByKey = Object.fromEntries(
      Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => [route.Properties.RouteKey, route.Properties.Target]),
    );
    for (const route of httpRoutes) expect(targetByKey[routeKey(route)]).toEqual(integrationOf(route.functionName));
    expect(new Set(httpRoutes.map((r) => r.functionName))).toEqual(new Set(['api', 'openapi', 'cost-api', 'secrets-api', 'audit-digest', 'mesh', 'mesh-ops']));
  });

  test('the JWT authorizer takes its issuer and audience from context', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: TEST_CONTEXT['hms:jwtIssuer'],
        Audience: TEST_CONTEXT['hms:jwtAudience'].split(','),
      },
    });
  });

  test('the stage writes JSON access logs, keyed by request id, to a KMS-encrypted log group', () => {
    const stages = template.findResources('AWS::ApiGatewayV2::Stage');
    const [stage] = Object.values(stages) as { Properties: { AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string } } }[];
    expect(stage).toBeDefined();
    const { DestinationArn, Format } = stage!.Properties.AccessLogSettings;
    expect(JSON.parse(Format)).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey' });
    const logGroup = template.toJSON().Resources[DestinationArn['Fn::GetAtt'][0]];
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties).toMatchObject({ KmsKeyId: expect.anything(), RetentionInDays: expect.any(Number) });
  });
});
