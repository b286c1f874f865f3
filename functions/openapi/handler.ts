import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { NotFoundError } from '#domain/errors.ts';
import { parseInput } from '#domain/validation.ts';
import { principalOf, requireScope } from '#functions/http/auth.ts';
import { type ApiEvent, type ApiResult, json } from '#functions/http/http.ts';
import { httpErrors } from '#functions/http/http-handler.ts';
import { logger } from '#observability/logger.ts';
import { contract } from '../api/contract.ts';
import { openApiDocument } from './document.ts';
import { openApiRoutes } from './triggers.ts';

const routeByKey = new Map(openApiRoutes.map((r) => [`${r.method} ${r.path}`, r]));

const lambdaHandler = async (event: ApiEvent): Promise<ApiResult> => {
  const principal = principalOf(event);
  const route = routeByKey.get(event.routeKey);
  if (!route) throw new NotFoundError(`route ${event.routeKey}`);
  requireScope(principal, route.scope);
  parseInput(contract[route.operationId].query, event.queryStringParameters ?? {}, 'query');
  return json(200, openApiDocument());
};

export const handler = middy<ApiEvent, ApiResult>(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(httpErrors({ error: (message, details) => logger.error(message, details) }));
