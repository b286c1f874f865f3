import * as z from 'zod/mini';
import { ALL_SCOPES } from '#domain/triggers.ts';
import { contract } from '../api/contract.ts';
import { httpRoutes } from '../http-routes.ts';

const routes = httpRoutes;

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'field'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: ['string', 'null'] } },
    },
  },
};

const jsonSchema = (schema: z.ZodMiniType) => {
  const { $schema, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function parameters(operationId: string, path: string) {
  const spec = contract[operationId]!;
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name, in: 'path', required: true, schema: jsonSchema(spec.path?.[name!] ?? z.string()),
  }));
  const queryParams = Object.entries(spec.query.shape).map(([name, schema]) => ({
    name, in: 'query', required: !(schema as z.ZodMiniType).safeParse(undefined).success, schema: jsonSchema(schema as z.ZodMiniType),
  }));
  return [...pathParams, ...queryParams];
}

let cached: Record<string, unknown> | null = null;

/** The API as OpenAPI 3.1, built from the declared routes and the schemas that validate them. */
export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const spec = contract[route.operationId]!;
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      security: [{ bearerAuth: [route.scope] }],
      'x-required-scope': route.scope,
      parameters: parameters(route.operationId, route.path),
      responses: {
        [spec.created ? '201' : spec.accepted ? '202' : '200']: {
          description: spec.accepted ? 'Accepted: the work has started and finishes later' : 'Success', content: { 'application/json': { schema: {} } },
        },
        ...(spec.created ? { 200: { description: 'Dry run: what would happen; nothing changed' } } : {}),
        400: errorResponse('Invalid input'),
        401: errorResponse('Missing or invalid bearer token'),
        403: errorResponse(`The token lacks ${route.scope}`),
        ...(route.path.includes('{') ? { 404: errorResponse('Not found') } : {}),
        ...(spec.body ? { 413: errorResponse('Body over 64 KiB'), 409: errorResponse('Conflict'), 422: errorResponse('Refers to something unknown') } : {}),
      },
    };
    if (spec.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(spec.body) } } };
    }
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  cached = {
    openapi: '3.1.0',
    info: { title: 'hms-sys', version: '0.1.0', description: 'Control plane for agency workloads on Amazon EKS' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: `Scopes: ${ALL_SCOPES.join(', ')}` },
      },
      schemas: { Error: errorSchema },
    },
    paths,
  };
  return cached;
}
