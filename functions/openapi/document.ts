import * as z from 'zod/mini';
import { ALL_SCOPES } from '#domain/triggers.ts';
import type { OperationContract } from '#functions/http/request.ts';
import { contract, isOperationId } from '../api/contract.ts';
import { httpRoutes } from '../http-routes.ts';
import { type OperationResponses, responses } from './responses.ts';
import { openApiFunction } from './triggers.ts';

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

/** A request schema as JSON Schema: what it accepts (`input`); a response schema: what it gives (`output`). */
const jsonSchema = (schema: z.ZodMiniType, io: 'input' | 'output' = 'input') => {
  const { $schema, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const jsonResponse = (description: string, schema: z.ZodMiniType) => ({
  description,
  content: { 'application/json': { schema: jsonSchema(schema, 'output') } },
});

/** The success answers: 201 for a create (200 for its dry run), 202 for work started, else 200 (the result or its dry run). */
function successResponses(spec: { created?: boolean; accepted?: boolean }, answers: OperationResponses): Record<string, unknown> {
  if (spec.created) {
    return {
      201: jsonResponse('Created', answers.ok),
      ...(answers.dryRun ? { 200: jsonResponse('Dry run: what would happen; nothing changed', answers.dryRun) } : {}),
    };
  }
  if (spec.accepted) return { 202: jsonResponse('Accepted: the work has started and finishes later', answers.ok) };
  if (!answers.dryRun) return { 200: jsonResponse('Success', answers.ok) };
  return {
    200: {
      description: 'Success, or with dryRun=true what would happen (nothing changed)',
      content: { 'application/json': { schema: { anyOf: [jsonSchema(answers.ok, 'output'), jsonSchema(answers.dryRun, 'output')] } } },
    },
  };
}

function parameters(spec: OperationContract, path: string) {
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map(([, name = '']) => ({
    name,
    in: 'path',
    required: true,
    schema: jsonSchema(spec.path?.[name] ?? z.string()),
  }));
  const queryParams = Object.entries(spec.query.shape).map(([name, schema]) => ({
    name,
    in: 'query',
    required: !(schema as z.ZodMiniType).safeParse(undefined).success,
    schema: jsonSchema(schema as z.ZodMiniType),
  }));
  return [...pathParams, ...queryParams];
}

/** Every authenticated GET of the API functions is recorded as a lookup (functions/http/lookup-recording.ts); this document's own is not. */
const recordsLookup = (route: (typeof routes)[number]) => route.method === 'GET' && route.functionName !== openApiFunction.name;

let cached: Record<string, unknown> | null = null;

/** The API as OpenAPI 3.1, built from the declared routes and the schemas that validate them. */
export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const id = route.operationId;
    // Every declared id has a contract and response schemas (the build checks); this catches a function left out of OperationId.
    if (!isOperationId(id)) throw new Error(`route ${route.method} ${route.path} names ${id}, which has no contract`);
    const spec: OperationContract = contract[id];
    const answers: OperationResponses = responses[id];
    // A body that may be left out carries options, not an object to create or change.
    const namesObjects = spec.body !== undefined && !spec.optionalBody;
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      security: [{ bearerAuth: [route.scope] }],
      'x-required-scope': route.scope,
      ...(recordsLookup(route) ? { 'x-audit-lookup': `lookup.${route.operationId}` } : {}),
      parameters: parameters(spec, route.path),
      responses: {
        ...successResponses(spec, answers),
        400: errorResponse('Invalid input'),
        401: errorResponse('Missing or invalid bearer token'),
        403: errorResponse(`The token lacks ${route.scope}`),
        ...(route.path.includes('{') || namesObjects || spec.queryNamesObject
          ? { 404: errorResponse('Not found: the object named, or one it refers to') }
          : {}),
        ...(spec.body ? { 413: errorResponse('Body over 64 KiB') } : {}),
        ...(namesObjects ? { 422: errorResponse('Refers to something unknown') } : {}),
        ...(namesObjects || 'dryRun' in spec.query.shape ? { 409: errorResponse('Conflict: another writer got there first, or the state forbids it') } : {}),
        500: errorResponse('An internal error; it has been logged'),
        503: errorResponse(
          recordsLookup(route)
            ? 'A dependency did not answer, or the read could not be recorded as a lookup in the audit trail (fail closed); nothing was served'
            : 'A dependency (the cluster, CloudWatch, Secrets Manager or the database) did not answer; nothing was changed',
        ),
      },
    };
    if (spec.textBody) {
      // The file's own text: its formats are published as JSON Schema in docs/schemas/hms-mesh.v1.json.
      const file = { type: 'string', description: 'A mesh manifest or TrafficPolicy file, YAML or JSON (schema: docs/schemas/hms-mesh.v1.json)' };
      operation.requestBody = { required: true, content: Object.fromEntries(spec.textBody.map((type) => [type, { schema: file }])) };
    } else if (spec.body) {
      operation.requestBody = { required: !spec.optionalBody, content: { 'application/json': { schema: jsonSchema(spec.body) } } };
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
