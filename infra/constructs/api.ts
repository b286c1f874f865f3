import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { gatewayScopes } from '#domain/lookup.ts';
import type { RouteTrigger } from '#domain/triggers.ts';
import type { LogStorage } from './log-storage.ts';

export interface HmsHttpApiProps {
  /** Issuer URL whose JWTs the API accepts. */
  readonly jwtIssuer: string;
  /** Audiences a JWT must carry (one of). */
  readonly jwtAudience: readonly string[];
  /** Makes the encrypted access-log group. */
  readonly logStorage: LogStorage;
  /**
   * Steady-state and burst request limits for the whole stage.
   * @default 50 requests per second, bursts of 100
   */
  readonly throttle?: apigw.ThrottleSettings;
}

/** One access-log line per request, as JSON, keyed by the request id. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    subject: '$context.authorizer.claims.sub',
    clientId: '$context.authorizer.claims.client_id',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    authorizerError: '$context.authorizer.error',
    integrationError: '$context.integrationErrorMessage',
  }),
);

/**
 * The HTTP API: every route requires a JWT from the configured issuer carrying the route's
 * scope (a read: any hms-sys scope, its function checking the route's), and every request is
 * logged to an encrypted log group.
 */
export class HmsHttpApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  private readonly authorizer: HttpJwtAuthorizer;

  constructor(scope: Construct, id: string, props: HmsHttpApiProps) {
    super(scope, id);
    this.authorizer = new HttpJwtAuthorizer('Jwt', props.jwtIssuer, { jwtAudience: [...props.jwtAudience] });
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'hms-sys: services, autoscale rules, status, audit, budgets and bursts',
      createDefaultStage: false,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(props.logStorage.createLogGroup(this, 'AccessLogs')),
        format: ACCESS_LOG_FORMAT,
      },
    });
  }

  /** The base URL clients call. */
  get url(): string {
    return this.stage.url;
  }

  /** Adds one route per declaration, each sent to `handler` and guarded by its own scope. */
  addRoutes(integrationId: string, routes: readonly RouteTrigger[], handler: lambda.IFunction): void {
    const integration = new HttpLambdaIntegration(integrationId, handler);
    for (const route of routes) {
      this.httpApi.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration,
        authorizer: this.authorizer,
        // A read reaches its function with any hms-sys scope, so a denied lookup is recorded (#domain/lookup.ts).
        authorizationScopes: [...gatewayScopes(route)],
      });
    }
  }
}
